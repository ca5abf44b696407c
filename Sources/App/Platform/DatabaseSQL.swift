import FluentKit
import SQLKit

extension Database {
    /// This database as SQLKit's `SQLDatabase` (both drivers are SQL ones).
    var sql: any SQLDatabase { self as! any SQLDatabase }
}
