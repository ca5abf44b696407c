import SQLKit

/// A column-name strategy for decoding rows into structs with camelCase properties: `energyObjectId` reads
/// the column `energy_object_id`. SQLKit's `.convertFromSnakeCase` does the same through Unicode-aware
/// string operations on every key of every row, which was a third of the time of the «Показания» page;
/// our column names are ASCII, so this works on bytes.
struct SnakeCaseColumnKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension SQLRowDecoder.KeyDecodingStrategy {
    static let snakeCaseColumns = Self.custom { keys in
        SnakeCaseColumnKey(stringValue: snakeCase(keys.last?.stringValue ?? ""))
    }

    /// `energyObjectId` → `energy_object_id`.
    static func snakeCase(_ key: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(key.utf8.count + 4)
        for byte in key.utf8 {
            if byte >= 65 && byte <= 90 {
                if !bytes.isEmpty { bytes.append(95) }
                bytes.append(byte + 32)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A row type that reads its columns itself, by name: about half the cost of SQLKit's `Decodable` decoding,
/// which goes through a keyed container and a key strategy for every column of every row.
protocol ColumnRow {
    init(row: any SQLRow) throws
}

extension SQLQueryFetcher {
    /// Every row of the result as `R`. On a SQLite file, outside a transaction, the query runs on
    /// `SQLiteReaders`, kept prepared under its text.
    func rows<R: ColumnRow>(_ type: R.Type) async throws -> [R] {
        if let readers = SQLiteReaders.serving(database) {
            return try readers.rows(query, writtenFor: database).map { try R(row: $0) }
        }
        return try await all().map { try R(row: $0) }
    }
}
