import FluentKit
import SQLKit

/// A Fluent model read on every request (the session and its account). Fluent finds a model's properties by
/// reflection (`Mirror`) each time it decodes one, which was a fifth of the cost of a signed-in request;
/// these models list their properties by hand, and a test checks the list against Fluent's reflection.
protocol HandDecodedModel: Model {
    /// Every stored property of the model.
    var storedProperties: [any AnyDatabaseProperty] { get }
}

extension HandDecodedModel {
    /// `alias.column AS alias_column, …` for every stored column, for a query joining several tables.
    static func selectList(alias: String) -> String {
        Self().storedProperties.flatMap(\.keys).map { "\(alias).\($0.description) AS \(alias)_\($0.description)" }
            .joined(separator: ", ")
    }

    /// The model from the columns `selectList(alias:)` named, in the same state as a model Fluent fetched
    /// (`update(on:)` writes only what is changed afterwards).
    static func decode(_ row: any SQLRow, alias: String) throws -> Self {
        let model = Self()
        let output = PrefixedRowOutput(row: row, prefix: alias + "_")
        for property in model.storedProperties { try property.output(from: output) }
        return model
    }
}

/// The columns of one table in a joined row, named `prefix` + column.
struct PrefixedRowOutput: DatabaseOutput {
    let row: any SQLRow
    let prefix: String

    var description: String { "\(prefix)* of \(row)" }
    func schema(_ schema: String) -> any DatabaseOutput { self }
    func contains(_ key: FieldKey) -> Bool { row.contains(column: prefix + key.description) }
    func decodeNil(_ key: FieldKey) throws -> Bool { try row.decodeNil(column: prefix + key.description) }
    func decode<T: Decodable>(_ key: FieldKey, as type: T.Type) throws -> T {
        try row.decode(column: prefix + key.description, as: T.self)
    }
}

extension PortalSession: HandDecodedModel {
    var storedProperties: [any AnyDatabaseProperty] {
        [$id, $tokenHash, $csrfToken, $accountID, $createdAt, $lastSeenAt, $userAgent, $ipAddress]
    }
}

extension Account: HandDecodedModel {
    var storedProperties: [any AnyDatabaseProperty] {
        [
            $id, $email, $emailConfirmed, $login, $passwordHash, $lastName, $firstName, $middleName, $organization,
            $position, $address, $phone, $notifyByEmail, $marketing, $createdAt, $passwordChangedAt,
        ]
    }
}
