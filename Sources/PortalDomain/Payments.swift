import Foundation

/// How an online payment is split (manual §4.2, PAY-2…PAY-4): a payment of one document goes to that
/// document; a payment of the debt goes to the chosen documents, the earliest «Оплатить до» first, and what
/// is left over — or a payment with nothing due — is an advance on the contract.
public struct PaymentAllocation: Sendable, Equatable, Codable {
    /// A document with money still due.
    public struct Due: Sendable, Equatable {
        public let documentID: String
        /// `yyyy-MM-dd`, so text order is date order.
        public let dueOn: String
        public let outstanding: Money

        public init(documentID: String, dueOn: String, outstanding: Money) {
            self.documentID = documentID
            self.dueOn = dueOn
            self.outstanding = outstanding
        }
    }

    /// The part of the payment that goes to one document.
    public struct Share: Sendable, Equatable, Codable {
        public let documentID: String
        public let amount: Money

        public init(documentID: String, amount: Money) {
            self.documentID = documentID
            self.amount = amount
        }
    }

    public let shares: [Share]
    public let advance: Money

    public init(shares: [Share], advance: Money) {
        self.shares = shares
        self.advance = advance
    }

    public var total: Money { shares.reduce(advance) { $0 + $1.amount } }

    /// Splits `amount` over `documents`, the earliest due date first (then by id, so the split never depends
    /// on the order the documents were listed in); the remainder is an advance.
    public static func allocate(_ amount: Money, to documents: [Due]) -> PaymentAllocation {
        var left = amount
        var shares: [Share] = []
        let ordered = documents.filter { $0.outstanding > .zero }.sorted {
            ($0.dueOn, $0.documentID) < ($1.dueOn, $1.documentID)
        }
        for document in ordered where left > .zero {
            let part = min(left, document.outstanding)
            shares.append(Share(documentID: document.documentID, amount: part))
            left = left - part
        }
        return PaymentAllocation(shares: shares, advance: left)
    }
}

/// The life of an online payment at the acquirer, and the only moves allowed between its states: whatever
/// order, number or timing of notifications arrives, a payment ends succeeded or canceled once.
public enum PaymentState: String, Sendable, CaseIterable, Codable {
    /// Made by the portal, not yet at the acquirer.
    case created
    /// At the acquirer: the person is entering the card or the bank is deciding.
    case pending
    case succeeded
    case canceled

    public var isFinal: Bool { self == .succeeded || self == .canceled }

    public func canMove(to next: PaymentState) -> Bool {
        switch (self, next) {
        case (.created, .pending), (.created, .succeeded), (.created, .canceled): true
        case (.pending, .succeeded), (.pending, .canceled): true
        default: false
        }
    }

    /// What the person is told.
    public var title: String {
        switch self {
        case .created, .pending: "Платеж обрабатывается"
        case .succeeded: "Оплачено"
        case .canceled: "Платеж не выполнен"
        }
    }
}
