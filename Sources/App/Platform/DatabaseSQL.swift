import FluentKit
import SQLKit

extension Database {
    /// This database as SQLKit's `SQLDatabase` (both drivers are SQL ones).
    var sql: any SQLDatabase { self as! any SQLDatabase }
}

extension SQLRowDecoder {
    /// Reads a row into a struct whose camelCase properties name snake_case columns: `priceCategory` reads
    /// `price_category`. Every named query's row type is decoded with it.
    static let snakeCase = SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase)
}
