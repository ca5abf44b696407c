import Foundation
import PortalDomain
import Testing

@Suite struct IdentifierTests {
    @Test func contractNumberIsFourteenDigits() {
        #expect(ContractNumber("74070100012345")?.digits == "74070100012345")
        #expect(ContractNumber("7407 0100 0123 45")?.digits == "74070100012345")
        #expect(ContractNumber("7407010001234") == nil)
        #expect(ContractNumber("7407010001234a") == nil)
        #expect(ContractNumber("７４０７０１０００１２３４５") == nil)  // full-width digits are not ASCII
    }

    @Test func innChecksums() {
        #expect(TaxIdentifiers.isValidINN("7707083893"))  // a well-known company ИНН
        #expect(!TaxIdentifiers.isValidINN("7707083894"))
        #expect(TaxIdentifiers.isValidINN("500100732259"))  // a valid 12-digit ИНН
        #expect(!TaxIdentifiers.isValidINN("500100732258"))
        #expect(!TaxIdentifiers.isValidINN("77070838"))
        #expect(!TaxIdentifiers.isValidINN("770708389X"))
    }

    @Test func ogrnAndKpp() {
        #expect(TaxIdentifiers.isValidOGRN("1027700132195"))
        #expect(!TaxIdentifiers.isValidOGRN("1027700132196"))
        #expect(TaxIdentifiers.isValidKPP("773601001"))
        #expect(TaxIdentifiers.isValidKPP("7736AB001"))
        #expect(!TaxIdentifiers.isValidKPP("77360100"))
    }

    @Test func billingPeriods() throws {
        let period = try #require(BillingPeriod("2026-11"))
        #expect(period.russianName == "ноябрь 2026")
        #expect(period.next == BillingPeriod(year: 2026, month: 12))
        #expect(period.next.next.description == "2027-01")
        #expect(BillingPeriod(year: 2026, month: 1)!.previous.description == "2025-12")
        #expect(BillingPeriod(year: 2024, month: 2)!.dayCount == 29)
        #expect(BillingPeriod(year: 2100, month: 2)!.dayCount == 28)
        #expect(BillingPeriod("2026-13") == nil)
        #expect(BillingPeriod("26-11") == nil)
    }

    @Test func periodAndDatesUseTheSupplierTimeZone() throws {
        let zone = try #require(TimeZone(identifier: "Asia/Yekaterinburg"))
        // 2026-11-30 20:30 UTC is already 1 December 01:30 in Yekaterinburg (UTC+5).
        let instant = Date(timeIntervalSince1970: 1_796_070_600)
        #expect(BillingPeriod(containing: instant, in: zone).description == "2026-12")
        #expect(RussianDateFormat(timeZone: zone).date(instant) == "01.12.2026")
        #expect(RussianDateFormat(timeZone: zone).dateTime(instant) == "01.12.2026 01:30")
        #expect(RussianDateFormat(timeZone: zone).isoDay(instant) == "2026-12-01")
        // What dateTime writes reads back; the day alone is midnight; anything else is nil.
        let format = RussianDateFormat(timeZone: zone)
        #expect(format.parseDateTime("01.12.2026 01:30") == instant)
        #expect(format.parseDateTime(" 01.12.2026 ") == instant.addingTimeInterval(-90 * 60))
        for bad in ["31.02.2026 10:00", "01.12.2026 24:00", "2026-12-01", "01.12.26", "", "1.2.3.4"] {
            #expect(format.parseDateTime(bad) == nil, "\(bad)")
        }
    }
}

@Suite struct BankAccountTests {
    @Test func settlementAndCorrespondentAccounts() {
        // The Bank of Russia's published example pair: БИК 044525225, корр. счет 30101810400000000225.
        #expect(TaxIdentifiers.isValidBIK("044525225"))
        #expect(!TaxIdentifiers.isValidBIK("144525225"))
        #expect(TaxIdentifiers.isValidCorrespondentAccount("30101810400000000225", bik: "044525225"))
        #expect(!TaxIdentifiers.isValidCorrespondentAccount("30101810500000000225", bik: "044525225"))
        let account = TaxIdentifiers.withControlDigit("40702810000001234567", prefix: Array("225"))
        #expect(TaxIdentifiers.isValidSettlementAccount(account, bik: "044525225"))
        #expect(
            !TaxIdentifiers.isValidSettlementAccount("40702810000001234567", bik: "044525225")
                || account == "40702810000001234567")
    }
}
