import FluentKit
import SQLKit
import Vapor

extension Database {
    /// This database as SQLKit's `SQLDatabase` (both drivers are SQL ones).
    var sql: any SQLDatabase { self as! any SQLDatabase }
}

/// An `SQLDatabase` in front of another (`base`): it speaks its dialect, logs to its logger and runs on its
/// event loop; it decides only what `execute` does.
protocol SQLDatabaseWrapper: SQLDatabase {
    var base: any SQLDatabase { get }
}

extension SQLDatabaseWrapper {
    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
}
