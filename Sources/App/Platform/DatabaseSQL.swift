import FluentKit
import SQLKit

extension Database {
    /// This database as SQLKit's `SQLDatabase` (both drivers are SQL ones).
    var sql: any SQLDatabase { self as! any SQLDatabase }
}

extension SQLRowDecoder {
    /// Reads a row into a struct whose camelCase properties name snake_case columns: `priceCategory` reads
    /// `price_category`. Every named query's row type is decoded with it.
    ///
    /// SQLKit's own `.convertFromSnakeCase` does the same through Unicode character properties for every
    /// column of every row: 13 % of the portal's CPU on «Оплата» on SQLite (`perf`). Column names are
    /// ASCII, so this converts bytes.
    static let snakeCase = SQLRowDecoder(
        keyDecodingStrategy: .custom { keys in SnakeCaseKey(snakeCase(keys.last?.stringValue ?? "")) })

    /// `energyObjectId` → `energy_object_id`.
    static func snakeCase(_ key: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(key.utf8.count + 4)
        for byte in key.utf8 {
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
                if !bytes.isEmpty { bytes.append(UInt8(ascii: "_")) }
                bytes.append(byte + 32)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private struct SnakeCaseKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ stringValue: String) { self.stringValue = stringValue }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
