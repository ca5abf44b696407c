/// The words billing and the portal share (GLOSSARY.md). Raw values are the API's; titles are the screen's.

/// Измеряемая величина.
public enum Quantity: String, Sendable, CaseIterable, Codable {
    case activeImport, activeExport, reactiveImport, reactiveExport

    public var title: String {
        switch self {
        case .activeImport: "A+"
        case .activeExport: "A-"
        case .reactiveImport: "R+"
        case .reactiveExport: "R-"
        }
    }
}

/// Шкала / тарифная зона.
public enum Zone: String, Sendable, CaseIterable, Codable {
    case allDay, day, night, peak, halfPeak

    public var title: String {
        switch self {
        case .allDay: "Круглосуточно"
        case .day: "День"
        case .night: "Ночь"
        case .peak: "Пик"
        case .halfPeak: "Полупик"
        }
    }
}

/// The status billing gives an energy object or a meter for the current period; readings may be typed in
/// only in «Ожидание» (manual §5.2).
public enum ReadingStatus: String, Sendable, CaseIterable, Codable {
    case waiting, submitted, accepted, notExpected

    public var title: String {
        switch self {
        case .waiting: "Ожидание"
        case .submitted: "Переданы"
        case .accepted: "Приняты"
        case .notExpected: "Не требуются"
        }
    }
}

/// Ценовая категория I–VI.
public enum PriceCategory: Int, Sendable, CaseIterable, Codable {
    case first = 1, second, third, fourth, fifth, sixth

    public var title: String { ["I", "II", "III", "IV", "V", "VI"][rawValue - 1] }

    /// Categories III–VI are billed on hourly profiles (manual §5.3).
    public var needsHourlyProfile: Bool { rawValue >= 3 }
}

/// Тип документа (HIS-1).
public enum DocumentType: String, Sendable, CaseIterable, Codable {
    case acceptanceAct, acceptanceStatement, invoiceFacture, paymentInvoice

    public var title: String {
        switch self {
        case .acceptanceAct: "Акт приема-передачи"
        case .acceptanceStatement: "Ведомость приема-передачи"
        case .invoiceFacture: "Счет-фактура"
        case .paymentInvoice: "Счет на оплату"
        }
    }
}
