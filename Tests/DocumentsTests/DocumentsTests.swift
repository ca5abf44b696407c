import Foundation
import PortalDomain
import TestTools
import Testing

@testable import Documents

/// Each document read back with poppler: the numbers a customer checks must be there exactly.
@Suite struct DocumentsTests {
    func text(of data: Data, layout: Bool = true) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("doc-\(UUID().uuidString).pdf")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let check = try runToolText(["qpdf", "--check", url.path])
        #expect(check.contains("No syntax or stream encoding errors found"))
        return try runToolText(["pdftotext", "-enc", "UTF-8"] + (layout ? ["-layout"] : []) + [url.path, "-"])
    }

    @Test func aPaymentInvoicePrintsRequisitesLinesAndTheTotalInWords() throws {
        let document = BillingDocument.sample(.paymentInvoice)
        let text = try text(of: DocumentPDF.render(document))
        for expected in [
            "Счет на оплату № СФ-0001234/11 от 05.12.2026", "044525225", "40702810938000012345",
            "ИНН 7707083893 / КПП 770701001", "ООО «Ромашка», ИНН 5009051111 / КПП 500901001",
            "Основание: договор энергоснабжения № 77012345 от 14.03.2019", "12 345,678", "4,99625", "61 682,15",
            "73 721,57", "НДС (22%)", "16 218,74", "89 940,31", "Всего наименований 2, на сумму 89 940,31 руб.",
            "Восемьдесят девять тысяч девятьсот сорок рублей 31 копейка", "Оплатить до 18.12.2026.", "Руководитель",
            "Главный бухгалтер", "Страница 1 из 1",
        ] {
            #expect(text.contains(expected), "\(expected)")
        }
    }

    @Test func anInvoiceFacturePrintsTheStatutoryFields() throws {
        let text = try text(of: DocumentPDF.render(BillingDocument.sample(.invoiceFacture)))
        for expected in [
            "Счет-фактура № СФ-0001234/11 от 05.12.2026", "7707083893/770701001", "5009051111/500901001",
            "Российский рубль, 643", "без", "22%", "13 570,07", "75 252,22", "Всего к оплате", "89 940,31",
        ] {
            #expect(text.contains(expected), "\(expected)")
        }
    }

    @Test func actsAndStatementsNameTheMonthAndTheVolumes() throws {
        let act = try text(of: DocumentPDF.render(BillingDocument.sample(.acceptanceAct)))
        #expect(act.contains("Акт приема-передачи электрической энергии (мощности)"))
        #expect(act.contains("за Ноябрь 2026") || act.contains("за ноябрь 2026"))
        #expect(
            act.contains("Всего с НДС: 89 940,31 руб. (Восемьдесят девять тысяч девятьсот сорок рублей 31 копейка)"))
        let statement = try text(of: DocumentPDF.render(BillingDocument.sample(.acceptanceStatement)))
        for expected in [
            "Ведомость приема-передачи электрической энергии", "011214 5", "10 000,000", "14 166,670", "16 666,680",
        ]
        where expected != "011214 5" {
            #expect(statement.contains(expected), "\(expected)")
        }
        #expect(statement.contains("0112145"))
    }

    @Test func aReconciliationActBalancesAndRunsOverPages() throws {
        let act = ReconciliationAct.sample(months: 420)
        let data = DocumentPDF.render(act)
        let text = try text(of: data).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("Акт сверки взаиморасчетов № АС-77012345-1"))
        #expect(text.contains("Сальдо начальное"))
        #expect(text.contains("Страница 20 из 20") || text.contains("Страница 21 из 21"))
        // Every charge was paid: the closing balance is the opening one.
        #expect(act.closing == act.opening)
        #expect(
            text.contains(
                "задолженность в пользу АО «Энергосбытовая компания» составляет 1 500,00 руб. (Одна тысяча пятьсот рублей 00 копеек)"
            ))
        let owed = ReconciliationAct(
            number: "1", from: "2026-01-01", to: "2026-03-31", contractNumber: "1", contractDate: "2020-01-01",
            supplier: act.supplier, customer: act.customer, opening: .zero,
            entries: [.init(date: "2026-02-01", text: "Оплата", credit: Money(kopecks: 10_000))])
        #expect(
            try self.text(of: DocumentPDF.render(owed)).split(whereSeparator: \.isWhitespace).joined(separator: " ")
                .contains("задолженность в пользу ООО «Ромашка» составляет 100,00 руб."))
    }

    @Test func fileNamesAreRussianAndSafe() {
        #expect(BillingDocument.sample(.invoiceFacture).fileName == "Счет-фактура № СФ-0001234-11 от 05.12.2026.pdf")
        #expect(
            ReconciliationAct.sample(months: 1).fileName
                == "Акт сверки по договору 77012345 с 01.01.2017 по 31.01.2017.pdf")
    }

    @Test func theUnitPriceHasFiveDecimals() {
        let line = DocumentLine(
            description: "x", unit: "кВт·ч", quantityMilli: 3_000, amount: Money(kopecks: 1_000), vatRate: 22,
            vat: Money(kopecks: 220))
        #expect(line.unitPrice == "3,33333")
        let empty = DocumentLine(description: "x", unit: "", quantityMilli: 0, amount: .zero, vatRate: 0, vat: .zero)
        #expect(empty.unitPrice == "—")
    }
}
