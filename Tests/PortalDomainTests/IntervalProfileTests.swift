import PortalDomain
import Testing

@Suite struct IntervalProfileTests {
    let november = BillingPeriod(year: 2026, month: 11)!
    let afterNovember = (year: 2026, month: 12, day: 1)

    /// A sheet in the layout of the manual's Table 2 with `value(day, hour)` in each cell.
    func sheet(_ period: BillingPeriod, value: (Int, Int) -> IntervalProfile.Cell = { _, _ in .number(1) })
        -> [[IntervalProfile.Cell]]
    {
        var rows: [[IntervalProfile.Cell]] = [
            [.text("Время")] + (1...period.dayCount).map { .date(year: period.year, month: period.month, day: $0) }
        ]
        for hour in 0..<24 {
            rows.append([.text(IntervalProfile.hourLabels[hour])] + (1...period.dayCount).map { value($0, hour) })
        }
        return rows
    }

    @Test func aFullMonthIsRead() throws {
        let rows = sheet(november) { day, hour in hour == 1 ? .text("2,5") : .number(1) }
        let profile = try IntervalProfile.parse(rows, period: november, today: afterNovember).get()
        #expect(profile.values.count == 30)
        #expect(profile.values[0][1] == 2500)
        #expect(profile.total == 30 * (23 * 1000 + 2500))
        #expect(IntervalProfile.hourLabels.first == "00-01" && IntervalProfile.hourLabels.last == "23-24")
    }

    @Test func problemsAreReportedByCell() {
        var rows = sheet(november) { day, hour in
            switch (day, hour) {
            case (3, 5): .empty  // D7
            case (4, 5): .number(-1)  // E7
            case (5, 5): .text("abc")  // F7
            case (6, 5): .number(1.2345)  // G7
            default: .number(1)
            }
        }
        rows[0][2] = .date(year: 2026, month: 12, day: 2)  // C1: outside the month
        rows[10][0] = .text("09-11")  // A11: a missing hour row
        let problems = IntervalProfile.parse(rows, period: november, today: afterNovember).failureValue?.list ?? []
        let text = problems.map(\.description)
        #expect(text.contains("D7: пустая ячейка"))
        #expect(text.contains("E7: отрицательное значение"))
        #expect(text.contains("F7: не число"))
        #expect(text.contains("G7: не более трех знаков после запятой"))
        #expect(text.contains { $0.hasPrefix("C1: дата 02.12.2026 не совпадает с ожидаемой 02.11.2026") })
        #expect(text.contains("A11: нет строки «09-10»"))
    }

    @Test func daysInTheFutureCarryNoValues() {
        let today = (year: 2026, month: 11, day: 28)
        let full = IntervalProfile.parse(sheet(november), period: november, today: today).failureValue?.list ?? []
        #expect(full.contains(IntervalProfile.Problem(cell: "AD2", message: "день еще не наступил")))  // 29 November
        let upToToday = sheet(november) { day, _ in day > 28 ? .empty : .number(1) }
        #expect((try? IntervalProfile.parse(upToToday, period: november, today: today).get())?.total == 28 * 24 * 1000)
    }

    @Test func aSheetWithOnlyItsHeadingsHasNoValues() {
        #expect(!IntervalProfile.hasValues(sheet(november) { _, _ in .empty }))
        #expect(
            IntervalProfile.hasValues(sheet(november) { day, hour in day == 30 && hour == 23 ? .number(0) : .empty }))
        #expect(IntervalProfile.hasValues(sheet(november) { day, _ in day == 1 ? .text("x") : .empty }))
        #expect(!IntervalProfile.hasValues([]))
    }

    @Test func shortMonthsAndLetters() {
        let february = BillingPeriod(year: 2027, month: 2)!
        var rows = sheet(february)
        rows[0].append(.text("29.02.2027"))
        let problems = IntervalProfile.parse(rows, period: february, today: (2027, 3, 1)).failureValue?.list ?? []
        #expect(problems == [IntervalProfile.Problem(cell: "AD1", message: "лишний столбец: в месяце 28 дней")])
        #expect(IntervalProfile.columnLetters(0) == "A")
        #expect(IntervalProfile.columnLetters(31) == "AF")
        #expect(IntervalProfile.columnLetters(701) == "ZZ")
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
