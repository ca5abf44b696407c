import Foundation
import PDF
import PortalDomain

/// Lays out billing's documents as Russian business practice prints them.
public enum DocumentPDF {
    /// The document as a PDF file; `created` goes into the file's information.
    public static func render(_ document: BillingDocument, created: Date = Date()) -> Data {
        let pdf = PDFDocument(
            info: .init(
                title: document.title, author: document.supplier.name,
                subject: "Договор № \(document.contractNumber), \(document.period.russianName)", created: created))
        switch document.type {
        case .paymentInvoice: paymentInvoice(document, on: pdf)
        case .invoiceFacture: invoiceFacture(document, on: pdf)
        case .acceptanceAct: acceptanceAct(document, on: pdf)
        case .acceptanceStatement: acceptanceStatement(document, on: pdf)
        }
        return pdf.finish()
    }

    /// The акт сверки as a PDF file.
    public static func render(_ act: ReconciliationAct, created: Date = Date()) -> Data {
        let pdf = PDFDocument(
            info: .init(
                title: act.title, author: act.supplier.name,
                subject: "Договор № \(act.contractNumber), с \(Format.date(act.from)) по \(Format.date(act.to))",
                created: created))
        reconciliation(act, on: pdf)
        return pdf.finish()
    }

    // MARK: - Счет на оплату

    static func paymentInvoice(_ document: BillingDocument, on pdf: PDFDocument) {
        let supplier = document.supplier
        pdf.table(
            PDFTable(
                columns: [.init(5), .init(1.2), .init(3)],
                rows: [
                    .init([supplier.bankName ?? "—", "БИК", supplier.bik ?? "—"]),
                    .init(["Банк получателя", "Сч. №", supplier.correspondentAccount ?? "—"]),
                    .init([supplier.innKpp, "Сч. №", supplier.account ?? "—"]),
                    .init([supplier.name + "\nПолучатель", "", ""]),
                ], fontSize: 9, spaceAfter: 12))
        pdf.paragraph(document.title, size: 14, bold: true, spaceAfter: 2)
        pdf.rule(width: 1.5, spaceAfter: 8)
        parties(document, supplierLabel: "Поставщик", customerLabel: "Покупатель", on: pdf)
        pdf.paragraph(
            "Основание: договор энергоснабжения № \(document.contractNumber) от \(Format.date(document.contractDate))",
            size: 9, spaceAfter: 8)
        linesTable(document, on: pdf)
        let total = document.lines.reduce(Money.zero) { $0 + $1.total }
        pdf.paragraph(
            "Всего наименований \(document.lines.count), на сумму \(Format.money(total)) руб.", size: 9, spaceAfter: 2)
        pdf.paragraph(AmountInWords.roubles(total), size: 10, bold: true, spaceAfter: 6)
        if let due = document.dueOn {
            pdf.paragraph("Оплатить до \(Format.date(due)).", size: 9, spaceAfter: 2)
        }
        pdf.paragraph(
            "В назначении платежа укажите номер счета и номер договора. Оплата по этому счету означает согласие с условиями поставки.",
            size: 8, spaceAfter: 6)
        pdf.rule(width: 1.5, spaceAfter: 12)
        signatures(["Руководитель", "Главный бухгалтер"], on: pdf)
    }

    // MARK: - Счет-фактура

    static func invoiceFacture(_ document: BillingDocument, on pdf: PDFDocument) {
        let supplier = document.supplier
        let customer = document.customer
        pdf.paragraph(document.title, size: 13, bold: true, spaceAfter: 2)
        pdf.paragraph("Исправление № — от —", size: 9, spaceAfter: 6)
        let rows: [(String, String)] = [
            ("Продавец", supplier.name), ("Адрес", supplier.address), ("ИНН/КПП продавца", innKpp(supplier)),
            ("Грузоотправитель и его адрес", "он же"),
            ("Грузополучатель и его адрес", "\(customer.name), \(customer.address)"),
            ("К платежно-расчетному документу", "—"),
            (
                "Документ об отгрузке",
                "№ п/п 1–\(document.lines.count) № \(document.number) от \(Format.date(document.issuedOn))"
            ),
            ("Покупатель", customer.name), ("Адрес", customer.address), ("ИНН/КПП покупателя", innKpp(customer)),
            ("Валюта: наименование, код", "Российский рубль, 643"),
            ("Идентификатор государственного контракта, договора (соглашения) (при наличии)", "—"),
        ]
        pdf.table(
            PDFTable(
                columns: [.init(2.2), .init(5)], rows: rows.map { PDFTable.Row([$0.0 + ":", $0.1]) }, fontSize: 8,
                borders: false, spaceAfter: 6))
        let header = [
            "№", "Наименование товара (описание выполненных работ, оказанных услуг)", "Ед. изм.", "Количество (объем)",
            "Цена (тариф) за единицу измерения", "Стоимость без налога", "В том числе сумма акциза", "Налоговая ставка",
            "Сумма налога", "Стоимость с налогом",
        ]
        var rows2: [PDFTable.Row] = document.lines.enumerated().map { index, line in
            PDFTable.Row([
                "\(index + 1)", line.description, line.unit, Format.quantity(line.quantityMilli), line.unitPrice,
                Format.money(line.amount), "без акциза", "\(line.vatRate)%", Format.money(line.vat),
                Format.money(line.total),
            ])
        }
        let amount = document.lines.reduce(Money.zero) { $0 + $1.amount }
        let vat = document.lines.reduce(Money.zero) { $0 + $1.vat }
        rows2.append(
            .init(
                [
                    "", "Всего к оплате", "", "", "", Format.money(amount), "X", "", Format.money(vat),
                    Format.money(amount + vat),
                ], bold: true))
        pdf.table(
            PDFTable(
                columns: [
                    .init(0.5, align: .center), .init(3.4), .init(1, align: .center), .init(1.6, align: .right),
                    .init(1.5, align: .right), .init(1.7, align: .right), .init(1.1, align: .center),
                    .init(1.6, align: .center), .init(1.5, align: .right), .init(1.7, align: .right),
                ], header: header, rows: rows2, fontSize: 7.5, spaceAfter: 14))
        signatures(
            [
                "Руководитель организации или иное уполномоченное лицо",
                "Главный бухгалтер или иное уполномоченное лицо",
            ], on: pdf)
    }

    // MARK: - Акт приема-передачи

    static func acceptanceAct(_ document: BillingDocument, on pdf: PDFDocument) {
        pdf.paragraph(
            "Акт приема-передачи электрической энергии (мощности)", size: 13, bold: true, align: .center, spaceAfter: 2)
        pdf.paragraph(
            "№ \(document.number) от \(Format.date(document.issuedOn)) за \(document.period.russianName)", size: 10,
            align: .center, spaceAfter: 10)
        pdf.paragraph(
            "\(document.supplier.name) (Продавец) и \(document.customer.name) (Покупатель) по договору энергоснабжения № \(document.contractNumber) от \(Format.date(document.contractDate)) составили настоящий акт о том, что Продавец поставил, а Покупатель принял электрическую энергию (мощность) за \(document.period.russianName):",
            size: 9, spaceAfter: 8)
        linesTable(document, on: pdf)
        let total = document.lines.reduce(Money.zero) { $0 + $1.total }
        pdf.paragraph(
            "Всего с НДС: \(Format.money(total)) руб. (\(AmountInWords.roubles(total)))", size: 9, bold: true,
            spaceAfter: 6)
        pdf.paragraph(
            "Стороны претензий по объему и качеству поставленной электрической энергии не имеют.", size: 9,
            spaceAfter: 14)
        partySignatures(document.supplier, document.customer, on: pdf)
    }

    // MARK: - Ведомость приема-передачи

    static func acceptanceStatement(_ document: BillingDocument, on pdf: PDFDocument) {
        pdf.paragraph(
            "Ведомость приема-передачи электрической энергии", size: 13, bold: true, align: .center, spaceAfter: 2)
        pdf.paragraph(
            "№ \(document.number) от \(Format.date(document.issuedOn)) за \(document.period.russianName)", size: 10,
            align: .center, spaceAfter: 8)
        pdf.paragraph(
            "Договор энергоснабжения № \(document.contractNumber) от \(Format.date(document.contractDate)). Покупатель: \(document.customer.name), \(innKpp(document.customer)).",
            size: 9, spaceAfter: 8)
        var rows = document.meters.map { meter in
            PDFTable.Row([
                meter.energyObject, meter.meterNumber, meter.zone, meter.previousMilli.map(Format.quantity) ?? "—",
                meter.currentMilli.map(Format.quantity) ?? "—", "\(meter.ratio)",
                meter.consumptionMilli.map(Format.quantity) ?? "—",
            ])
        }
        let consumed = document.meters.compactMap(\.consumptionMilli).reduce(0, +)
        rows.append(.init(["Итого", "", "", "", "", "", Format.quantity(consumed)], bold: true))
        pdf.table(
            PDFTable(
                columns: [
                    .init(4), .init(1.6), .init(1.3, align: .center), .init(1.7, align: .right),
                    .init(1.7, align: .right),
                    .init(0.9, align: .center), .init(1.8, align: .right),
                ],
                header: [
                    "Энергообъект", "Номер ПУ", "Зона суток", "Предыдущие показания", "Текущие показания",
                    "Коэф.", "Расход, кВт·ч",
                ], rows: rows, fontSize: 8, spaceAfter: 14))
        partySignatures(document.supplier, document.customer, on: pdf)
    }

    // MARK: - Акт сверки

    static func reconciliation(_ act: ReconciliationAct, on pdf: PDFDocument) {
        pdf.paragraph("Акт сверки взаиморасчетов № \(act.number)", size: 13, bold: true, align: .center, spaceAfter: 2)
        pdf.paragraph(
            "за период с \(Format.date(act.from)) по \(Format.date(act.to)) между \(act.supplier.name) и \(act.customer.name) по договору энергоснабжения № \(act.contractNumber) от \(Format.date(act.contractDate))",
            size: 9, align: .center, spaceAfter: 10)
        pdf.paragraph(
            "Мы, нижеподписавшиеся, составили настоящий акт сверки в том, что состояние взаимных расчетов по данным учета следующее:",
            size: 9, spaceAfter: 8)
        func balance(_ money: Money) -> (String, String) {
            money.kopecks >= 0 ? (Format.money(money), "") : ("", Format.money(Money(kopecks: -money.kopecks)))
        }
        let opening = balance(act.opening)
        var rows: [PDFTable.Row] = [
            .init([Format.date(act.from), "Сальдо начальное", opening.0, opening.1], bold: true)
        ]
        rows += act.entries.map { entry in
            PDFTable.Row([
                Format.date(entry.date), entry.text, entry.debit == .zero ? "" : Format.money(entry.debit),
                entry.credit == .zero ? "" : Format.money(entry.credit),
            ])
        }
        rows.append(
            .init(["", "Обороты за период", Format.money(act.debitTotal), Format.money(act.creditTotal)], bold: true))
        let closing = balance(act.closing)
        rows.append(.init([Format.date(act.to), "Сальдо конечное", closing.0, closing.1], bold: true))
        pdf.table(
            PDFTable(
                columns: [.init(1.3, align: .center), .init(5), .init(1.8, align: .right), .init(1.8, align: .right)],
                header: ["Дата", "Документ", "Дебет, руб.", "Кредит, руб."], rows: rows, fontSize: 8.5, spaceAfter: 10))
        let conclusion: String
        if act.closing.kopecks > 0 {
            conclusion =
                "На \(Format.date(act.to)) задолженность в пользу \(act.supplier.name) составляет \(Format.money(act.closing)) руб. (\(AmountInWords.roubles(act.closing)))."
        } else if act.closing.kopecks < 0 {
            let owed = Money(kopecks: -act.closing.kopecks)
            conclusion =
                "На \(Format.date(act.to)) задолженность в пользу \(act.customer.name) составляет \(Format.money(owed)) руб. (\(AmountInWords.roubles(owed)))."
        } else {
            conclusion = "На \(Format.date(act.to)) задолженность отсутствует."
        }
        pdf.paragraph(conclusion, size: 9, bold: true, spaceAfter: 14)
        partySignatures(act.supplier, act.customer, on: pdf)
    }

    // MARK: - Parts

    static func innKpp(_ party: DocumentParty) -> String {
        [party.inn, party.kpp].compactMap { $0?.isEmpty == false ? $0 : nil }.joined(separator: "/")
    }

    static func parties(_ document: BillingDocument, supplierLabel: String, customerLabel: String, on pdf: PDFDocument)
    {
        func describe(_ party: DocumentParty) -> String {
            "\(party.name), \(party.innKpp), \(party.address)"
        }
        pdf.table(
            PDFTable(
                columns: [.init(1.3), .init(6)],
                rows: [
                    .init(["\(supplierLabel):", describe(document.supplier)]),
                    .init(["\(customerLabel):", describe(document.customer)]),
                ], fontSize: 9, borders: false, spaceAfter: 4))
    }

    static func linesTable(_ document: BillingDocument, on pdf: PDFDocument) {
        var rows: [PDFTable.Row] = document.lines.enumerated().map { index, line in
            PDFTable.Row([
                "\(index + 1)", line.description, Format.quantity(line.quantityMilli), line.unit, line.unitPrice,
                Format.money(line.amount),
            ])
        }
        let amount = document.lines.reduce(Money.zero) { $0 + $1.amount }
        let vat = document.lines.reduce(Money.zero) { $0 + $1.vat }
        let rates = Set(document.lines.map(\.vatRate)).sorted().map { "\($0)%" }.joined(separator: ", ")
        rows.append(.init(["", "Итого без НДС", "", "", "", Format.money(amount)], bold: true))
        rows.append(.init(["", "НДС (\(rates.isEmpty ? "—" : rates))", "", "", "", Format.money(vat)], bold: true))
        rows.append(.init(["", "Всего с НДС", "", "", "", Format.money(amount + vat)], bold: true))
        pdf.table(
            PDFTable(
                columns: [
                    .init(0.5, align: .center), .init(5), .init(1.6, align: .right), .init(0.9, align: .center),
                    .init(1.6, align: .right), .init(1.8, align: .right),
                ], header: ["№", "Наименование", "Количество", "Ед.", "Цена без НДС, руб.", "Сумма без НДС, руб."],
                rows: rows, fontSize: 8.5, spaceAfter: 8))
    }

    static func signatures(_ labels: [String], on pdf: PDFDocument) {
        pdf.keepTogether(Double(labels.count) * 28)
        for label in labels { pdf.signature(label, name: "", labelWidth: 250) }
    }

    static func partySignatures(_ supplier: DocumentParty, _ customer: DocumentParty, on pdf: PDFDocument) {
        pdf.keepTogether(110)
        pdf.paragraph("От Продавца: \(supplier.name)", size: 9, bold: true, spaceAfter: 4)
        pdf.signature("Уполномоченное лицо", name: "")
        pdf.paragraph("От Покупателя: \(customer.name)", size: 9, bold: true, spaceAfter: 4)
        pdf.signature("Уполномоченное лицо", name: "")
    }
}
