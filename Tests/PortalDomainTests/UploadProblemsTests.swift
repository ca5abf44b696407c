import Testing

@testable import PortalDomain

@Suite struct UploadProblemsTests {
    @Test func rowsOfOneMessageBecomeRanges() {
        let notFound = "прибор учета не найден в выбранном договоре"
        let problems = (2...100_001).map { "Строка \($0): \(notFound)" }
        let (lines, abridged) = UploadProblems.group(problems)
        #expect(lines == ["Строки 2–100\u{00A0}001: \(notFound)"])
        #expect(!abridged)
    }

    @Test func eachMessageOnceInTheOrderFirstMet() {
        let (lines, _) = UploadProblems.group([
            "Строка 3, ПУ 1 (A+ Ночь): Заполните поле", "Строка 4: повторяет строку 2", "Строка 7: повторяет строку 2",
            "Строка 9, ПУ 2 (A+ День): Заполните поле", "Строка 5: повторяет строку 2",
        ])
        #expect(
            lines == [
                "Строка 3, ПУ 1 (A+ Ночь); Строка 9, ПУ 2 (A+ День): Заполните поле",
                "Строки 4–5, 7: повторяет строку 2",
            ])
    }

    @Test func manyPlacesAreCutAndSaySo() {
        let cells = (1...577).map { "D\($0): день еще не наступил" }
        let (lines, abridged) = UploadProblems.group(cells)
        #expect(lines == ["D1; D2; D3; D4; D5 и еще 572: день еще не наступил"])
        #expect(abridged)
    }

    @Test func atMostTwentyLines() {
        let (lines, abridged) = UploadProblems.group((1...30).map { "Строка \($0): ошибка № \($0)" })
        #expect(lines.count == UploadProblems.shownLines)
        #expect(abridged)
        #expect(UploadProblems.group([]).lines.isEmpty)
        #expect(UploadProblems.group(["без места"]).lines == ["без места"])
    }
}
