/// A person's role on one contract (manual §11.2.1; ROLE-1). One per account per contract.
public enum Role: String, Sendable, CaseIterable, Codable {
    case administrator, manager, powerEngineer, accountant

    /// The name shown on screen.
    public var title: String {
        switch self {
        case .administrator: "Администратор"
        case .manager: "Руководитель"
        case .powerEngineer: "Энергетик"
        case .accountant: "Бухгалтер"
        }
    }

    /// The role a contract gets when a person adds it themselves (ROLE-2).
    public static let onAddition: Role = .manager
}

/// What a person may try to do on a contract: the rows of the manual's Table 3, in its order.
public enum ContractAction: String, Sendable, CaseIterable, Codable {
    case requestAdministratorRole
    case removeContract
    case viewContract
    case viewContractAttachments
    case submitReadings
    case viewReadingHistory
    case requestReconciliationAct
    case viewUnpaidDocuments
    case viewDebt
    case viewInvoiceChart
    case viewPaymentHistory
    case pay
    case viewDocumentHistory
    case assignRoles
    case removeRole
}

/// The access matrix of the manual's Table 3 (ROLE-3), the only place that decides who may do what.
public enum AccessPolicy {
    /// Whether `role` may perform `action` on a contract.
    public static func allows(_ role: Role, _ action: ContractAction) -> Bool {
        switch action {
        case .requestAdministratorRole, .removeContract, .viewContract, .viewContractAttachments:
            return true
        case .submitReadings, .viewReadingHistory:
            return role != .accountant
        case .requestReconciliationAct, .viewUnpaidDocuments, .viewDebt, .viewInvoiceChart, .viewPaymentHistory,
            .pay, .viewDocumentHistory:
            return role != .powerEngineer
        case .assignRoles, .removeRole:
            return role == .administrator
        }
    }

    /// Whether a stored role may perform `action`: a role this version does not know (nil) may do nothing.
    public static func allows(_ role: Role?, _ action: ContractAction) -> Bool {
        role.map { allows($0, action) } ?? false
    }

    /// Whether a link may act on one energy object: a link limited to some objects reaches only those.
    public static func allows(
        _ role: Role, _ action: ContractAction, energyObject: String, limitedTo objects: Set<String>?
    ) -> Bool {
        guard allows(role, action) else { return false }
        guard let objects else { return true }
        return objects.contains(energyObject)
    }
}

/// The rule «at most one „Администратор“ per contract» (ROLE-1), checked before a role is given; the
/// database holds the same rule as a unique index.
public enum RoleAssignment {
    public enum Refusal: Error, Equatable, Sendable {
        case administratorTaken

        public var message: String {
            switch self {
            case .administratorTaken: "У договора уже есть пользователь с ролью «Администратор»"
            }
        }
    }

    /// Checks giving `role` to an account on a contract whose other links (other accounts) have `otherRoles`.
    /// `nil` when the role may be given.
    public static func refusal(giving role: Role, otherRoles: [Role]) -> Refusal? {
        if role == .administrator && otherRoles.contains(.administrator) { return .administratorTaken }
        return nil
    }
}
