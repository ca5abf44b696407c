import Foundation
import Testing

@testable import Mail

@Suite struct MIMETests {
    let date = Date(timeIntervalSince1970: 1_795_931_443)

    func message(subject: String, text: String, html: String? = nil, attachments: [MailAttachment] = []) -> MailMessage
    {
        MailMessage(
            from: MailAddress("noreply@lkk.example", name: "Личный кабинет"), to: [MailAddress("buh@romashka.example")],
            subject: subject, text: text, html: html, attachments: attachments, date: date,
            messageID: "<m1@lkk.example>")
    }

    func lines(_ data: Data) -> [String] {
        String(decoding: data, as: UTF8.self).components(separatedBy: "\r\n")
    }

    @Test func cyrillicSubjectIsEncodedWordsThatDecodeBack() throws {
        let subject = "Код подтверждения для входа в личный кабинет клиента – юридического лица: 123456"
        let rendered = lines(MIME.render(message(subject: subject, text: "x")))
        let start = try #require(rendered.firstIndex { $0.hasPrefix("Subject: ") })
        var folded = [String(rendered[start].dropFirst("Subject: ".count))]
        var next = start + 1
        while rendered[next].hasPrefix(" ") {
            folded.append(String(rendered[next].dropFirst()))
            next += 1
        }
        #expect(folded.count > 1, "a long subject is folded over several lines")
        var decoded = Data()
        for word in folded {
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            #expect(word.count <= 75)
            decoded.append(try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))))
        }
        // Each word holds whole characters, so each decodes alone and together they give the subject.
        #expect(String(data: decoded, encoding: .utf8) == subject)
    }

    @Test func asciiSubjectStaysReadable() {
        let rendered = String(decoding: MIME.render(message(subject: "Hello", text: "x")), as: UTF8.self)
        #expect(rendered.contains("\r\nSubject: Hello\r\n"))
        #expect(rendered.contains("From: =?UTF-8?B?"))
    }

    @Test func longLinesAreWrappedAndBodyRoundTrips() throws {
        let text = String(repeating: "Показания приняты. ", count: 200) + "\nВторая строка"
        let data = MIME.render(message(subject: "Тест", text: text))
        let all = lines(data)
        #expect(all.allSatisfy { $0.utf8.count <= 78 })
        let blank = try #require(all.firstIndex(of: ""))
        let body = all[(blank + 1)...].joined()
        let decoded = try #require(Data(base64Encoded: body))
        #expect(String(data: decoded, encoding: .utf8) == text.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test func htmlAlternativeAndAttachment() {
        let attachment = MailAttachment(
            filename: "Акт сверки.pdf", contentType: "application/pdf", data: Data([0x25, 0x50, 0x44, 0x46]))
        let rendered = String(
            decoding: MIME.render(
                message(subject: "Документ", text: "текст", html: "<p>текст</p>", attachments: [attachment]),
                boundarySeed: "SEED"),
            as: UTF8.self)
        #expect(rendered.contains("Content-Type: multipart/mixed; boundary=\"mix_SEED\""))
        #expect(rendered.contains("Content-Type: multipart/alternative; boundary=\"alt_SEED\""))
        #expect(rendered.contains("Content-Type: text/plain; charset=utf-8"))
        #expect(rendered.contains("Content-Type: text/html; charset=utf-8"))
        #expect(rendered.contains("Content-Disposition: attachment; filename=\"=?UTF-8?B?"))
        #expect(rendered.contains("JVBERg==\r\n"))  // %PDF in base64
        #expect(rendered.hasSuffix("--mix_SEED--\r\n"))
    }

    @Test func dotStuffing() {
        let stuffed = SMTPClient.dotStuffed(Data(".a\r\nb\r\n.\r\n".utf8))
        #expect(String(decoding: stuffed, as: UTF8.self) == "..a\r\nb\r\n..\r\n.\r\n")
    }

    @Test func addressesAndURLs() {
        #expect(MailAddress(parsing: "ЛКК <noreply@lkk.example>") == MailAddress("noreply@lkk.example", name: "ЛКК"))
        #expect(MailAddress(parsing: "a b@c") == nil)
        #expect(MailAddress(parsing: "@c") == nil)
        let starttls = SMTPConfiguration(url: "smtp://u%40x:p%3Aw@mail.example?timeout=5")
        #expect(starttls?.security == .startTLS)
        #expect(starttls?.port == 587)
        #expect(starttls?.username == "u@x")
        #expect(starttls?.password == "p:w")
        #expect(starttls?.timeout == 5)
        #expect(SMTPConfiguration(url: "smtps://mail.example")?.port == 465)
        #expect(SMTPConfiguration(url: "smtp+plain://127.0.0.1:2525")?.security == SMTPSecurity.none)
        #expect(SMTPConfiguration(url: "http://mail.example") == nil)
        #expect(SMTPConfiguration(url: "smtp://") == nil)
    }
}
