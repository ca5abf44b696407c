import Fluent
import Foundation
import PortalDomain

/// An account's access to a contract, with one role (GLOSSARY: contract link; ROLE-1), optionally limited to
/// some of the contract's energy objects.
final class ContractLink: Model, @unchecked Sendable {
    static let schema = "contract_links"

    @ID(key: .id) var id: UUID?
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "contract_id") var contractID: String
    @Field(key: "role") var roleName: String
    /// Energy object ids, one per line; `nil` for the whole contract.
    @OptionalField(key: "energy_object_ids") var energyObjectIDs: String?
    @Field(key: "created_at") var createdAt: Date

    init() {}

    init(accountID: UUID, contractID: String, role: Role, energyObjects: [String]? = nil, now: Date) {
        self.accountID = accountID
        self.contractID = contractID
        roleName = role.rawValue
        energyObjectIDs = energyObjects?.joined(separator: "\n")
        createdAt = now
    }

    /// The role; a value this version does not know gives no access at all.
    var role: Role? { Role(rawValue: roleName) }

    var energyObjects: Set<String>? { Self.energyObjects(in: energyObjectIDs) }

    /// The ids of `energy_object_ids` (one per line), nil for the whole contract.
    static func energyObjects(in ids: String?) -> Set<String>? {
        ids.map { Set($0.split(separator: "\n").map(String.init)) }
    }

    func allows(_ action: ContractAction) -> Bool { AccessPolicy.allows(role, action) }
}
