import CSQLiteConfig
import FluentKit
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import SQLiteKit
import SQLiteNIO
import Vapor
import VaporCSQLite

/// Connections of our own to the SQLite file that only read, for the hot pages' queries — every
/// `PreparedSQL`, and every query read into `ColumnRow`s (issue 8). Each keeps its statements prepared, and a
/// query runs on the thread that asks for it.
///
/// The driver's way costs a lot around a short read: SQLite parses the statement again every time (SQLiteNIO
/// has no statement cache), the query leases the loop's one connection from a pool and hops to a thread-pool
/// thread and back, and SQLKit serialises the query and decodes each column through `Decodable`. On «Оплата»
/// that was about half of the page's CPU time, where the reads themselves take a fraction of a millisecond.
/// In WAL mode readers never wait for the writer, so running them in place does not hold up the event loop;
/// each read is its own short read transaction (the statement is reset when its rows are in), so it sees
/// every commit made before it started, including the request's own.
///
/// Only reads outside a transaction take this way: inside one, the transaction's connection must see its own
/// uncommitted writes. The readers are reached through `SQLiteReaders.current`, which `SQLiteReadersMiddleware`
/// sets for each request when the database is a SQLite file; anything else (PostgreSQL, an in-memory SQLite,
/// the command-line jobs) goes the driver's way.
final class SQLiteReaders: Sendable {
    /// The readers of the request being served, if the database is a SQLite file.
    @TaskLocal static var current: SQLiteReaders?

    let path: String
    /// How long a read waits for a lock before it fails (WAL readers wait only while a crashed writer's
    /// log is recovered, so this is a safety net rather than a queue).
    let busyTimeoutMilliseconds: Int32
    private let state: NIOLockedValueBox<State>

    private struct State {
        var idle: [DirectConnection] = []
        var closed = false
        var opened = 0
        var reads = 0
    }

    /// At most this many idle connections are kept; more are closed when handed back.
    static let keptIdle = 8

    init(path: String, busyTimeoutMilliseconds: Int32 = 1000) {
        self.path = path
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        state = .init(State())
    }

    /// How many connections have been opened, and how many queries run, so far (tests).
    var openedCount: Int { state.withLockedValue { $0.opened } }
    var readCount: Int { state.withLockedValue { $0.reads } }
    /// How many times the idle connections' kept statements were compiled again since prepared (tests).
    var recompilationCount: Int { state.withLockedValue { $0.idle.reduce(0) { $0 + $1.recompilations } } }

    /// Runs `statement` on an idle connection, opening one if none is idle, and returns all its rows.
    func rows<S: PreparedSQL>(_ statement: S) throws -> [any SQLRow] {
        try rows(.type(ObjectIdentifier(S.self)), sql: S.sqliteSQL, binds: statement.values)
    }

    /// Runs a query SQLKit builds on `database` (a SQLite one), kept prepared under its text.
    func rows(_ query: any SQLExpression, writtenFor database: any SQLDatabase) throws -> [any SQLRow] {
        try withConnection { try $0.rows(query, writtenFor: database) }
    }

    private func rows(
        _ key: StatementKey, sql: String, binds: [any Encodable & Sendable]
    ) throws -> [any SQLRow] {
        try withConnection { try $0.rows(key: key, sql: sql, binds: binds) }
    }

    private func withConnection(_ body: (DirectConnection) throws -> [any SQLRow]) throws -> [any SQLRow] {
        let connection = try checkOut()
        defer { checkIn(connection) }
        return try body(connection)
    }

    /// The readers to run `database`'s hot reads on: the request's, unless `database` is in a transaction
    /// (whose own connection must see its uncommitted writes) or there are none (not a SQLite file, not a
    /// request).
    static func serving(_ database: any SQLDatabase) -> SQLiteReaders? {
        guard let current, let fluent = database as? any Database, !fluent.inTransaction else { return nil }
        return current
    }

    /// Closes the idle connections; those in use are closed when handed back.
    func close() {
        let idle = state.withLockedValue { state in
            state.closed = true
            defer { state.idle = [] }
            return state.idle
        }
        for connection in idle { connection.close() }
    }

    private func checkOut() throws -> DirectConnection {
        let reused: DirectConnection? = try state.withLockedValue { state in
            if state.closed { throw DirectSQLiteError(message: "the portal is shutting down") }
            state.reads += 1
            if let connection = state.idle.popLast() { return connection }
            state.opened += 1
            return nil
        }
        if let reused { return reused }
        return try DirectConnection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
    }

    private func checkIn(_ connection: DirectConnection) {
        let keep = state.withLockedValue { state in
            guard !state.closed, state.idle.count < Self.keptIdle else { return false }
            state.idle.append(connection)
            return true
        }
        if !keep { connection.close() }
    }
}

/// A statement kept prepared: a `PreparedSQL` by its type, anything else by its text.
enum StatementKey: Hashable {
    case type(ObjectIdentifier)
    case text(String)

    var isText: Bool { if case .text = self { true } else { false } }
}

struct DirectSQLiteError: Error, CustomStringConvertible {
    let message: String
    var description: String { "SQLite: \(message)" }
}

/// One connection of our own to the SQLite file and its prepared statements: read-only for `SQLiteReaders`,
/// or `SQLiteWriter`'s one. Used by one thread at a time: its owner hands it out to one caller and takes it back.
final class DirectConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    private var statements: [StatementKey: PreparedStatement] = [:]
    /// Statements kept by their text: a page's `IN (…)` lists differ in length, so these are many; past this
    /// number they are all dropped and prepared again as they come.
    static let keptTexts = 64

    final class PreparedStatement {
        let handle: OpaquePointer
        let columns: RowColumns
        init(handle: OpaquePointer, columns: RowColumns) {
            self.handle = handle
            self.columns = columns
        }
    }

    init(path: String, busyTimeoutMilliseconds: Int32, readOnly: Bool = true) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "cannot open"
            if let handle { sqlite_nio_sqlite3_close_v2(handle) }
            throw DirectSQLiteError(message: message)
        }
        self.handle = handle
        sqlite_nio_sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        if readOnly {
            // Nothing written through this connection, ever.
            try execute("PRAGMA query_only = 1")
            // Keep each statement's plan whatever is bound: SQLite otherwise compiles a statement again when a
            // bound value might change its plan (a function's argument, say: «Показания»'s JSON array of a
            // page's objects), which was 9 % of that page (issue 8). The hot statements are written so that
            // one plan serves every value, and `QueryPlanTests` checks the plans.
            let qpsg = lkk_sqlite_enable_qpsg(UnsafeMutableRawPointer(handle))
            guard qpsg == SQLITE_OK else {
                throw DirectSQLiteError(
                    message: "cannot keep plans: \(String(cString: sqlite_nio_sqlite3_errmsg(handle)))")
            }
        }
    }

    deinit { close() }

    /// How many times the kept statements were compiled again (`SQLITE_STMTSTATUS_REPREPARE`).
    var recompilations: Int {
        statements.values.reduce(0) {
            $0 + Int(sqlite_nio_sqlite3_stmt_status($1.handle, Int32(SQLITE_STMTSTATUS_REPREPARE), 0))
        }
    }

    func close() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement.handle) }
        statements = [:]
        if let handle { sqlite_nio_sqlite3_close_v2(handle) }
        handle = nil
    }

    /// Runs statements without results (`BEGIN`, `COMMIT`, a pragma); the status, or an error.
    @discardableResult
    func execute(_ sql: String, allowBusy: Bool = false) throws -> Int32 {
        let status = sqlite_nio_sqlite3_exec(handle, sql, nil, nil, nil)
        if allowBusy && status == SQLITE_BUSY { return status }
        guard status == SQLITE_OK else { throw error(status) }
        return status
    }

    private func error(_ status: Int32) -> DirectSQLiteError {
        let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "closed"
        return DirectSQLiteError(message: "\(message) (\(status))")
    }

    private func prepared(key: StatementKey, sql: String) throws -> PreparedStatement {
        if let statement = statements[key] { return statement }
        if key.isText, statements.keys.count(where: \.isText) >= Self.keptTexts {
            for (key, statement) in statements where key.isText {
                sqlite_nio_sqlite3_finalize(statement.handle)
                statements[key] = nil
            }
        }
        var statement: OpaquePointer?
        let text = key.isText ? sql : SQLiteReaders.numberedParameters(sql)
        let status = sqlite_nio_sqlite3_prepare_v3(
            handle, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw error(status) }
        let count = sqlite_nio_sqlite3_column_count(statement)
        var names: [String] = []
        names.reserveCapacity(Int(count))
        for index in 0..<count {
            names.append(sqlite_nio_sqlite3_column_name(statement, index).map { String(cString: $0) } ?? "")
        }
        let prepared = PreparedStatement(handle: statement, columns: RowColumns(names: names))
        statements[key] = prepared
        return prepared
    }

    /// The rows of a query SQLKit builds, written in `database`'s dialect and kept prepared under its text.
    func rows(_ query: any SQLExpression, writtenFor database: any SQLDatabase) throws -> [any SQLRow] {
        var serializer = SQLSerializer(database: database)
        query.serialize(to: &serializer)
        return try rows(key: .text(serializer.sql), sql: serializer.sql, binds: serializer.binds)
    }

    /// The rows of `sql`, its values bound as SQLiteKit binds them (`SQLiteDataEncoder`).
    func rows(key: StatementKey, sql: String, binds: [any Encodable & Sendable]) throws -> [any SQLRow] {
        let binds = try binds.map { try SQLiteDataEncoder().encode($0) }
        let statement = try prepared(key: key, sql: sql)
        let handle = statement.handle
        // Resetting ends the statement's read transaction, so the next read sees later commits.
        defer {
            sqlite_nio_sqlite3_reset(handle)
            sqlite_nio_sqlite3_clear_bindings(handle)
        }
        for (offset, value) in binds.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case .integer(let number): status = sqlite_nio_sqlite3_bind_int64(handle, index, Int64(number))
            case .float(let number): status = sqlite_nio_sqlite3_bind_double(handle, index, number)
            case .text(let text):
                status = sqlite_nio_sqlite3_bind_text64(
                    handle, index, text, UInt64(text.utf8.count), transient, UInt8(SQLITE_UTF8))
            case .blob(let bytes):
                status = bytes.withUnsafeReadableBytes {
                    sqlite_nio_sqlite3_bind_blob64(handle, index, $0.baseAddress, UInt64($0.count), transient)
                }
            case .null: status = sqlite_nio_sqlite3_bind_null(handle, index)
            }
            guard status == SQLITE_OK else { throw error(status) }
        }
        let width = statement.columns.names.count
        var rows: [any SQLRow] = []
        while true {
            let status = sqlite_nio_sqlite3_step(handle)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw error(status) }
            var values: [SQLiteData] = []
            values.reserveCapacity(width)
            for column in 0..<Int32(width) { values.append(value(handle, column)) }
            rows.append(ReaderRow(columns: statement.columns, values: values))
        }
        return rows
    }

    private func value(_ statement: OpaquePointer, _ column: Int32) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(SQLiteInt64(sqlite_nio_sqlite3_column_int64(statement, column)))
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            guard let text = sqlite_nio_sqlite3_column_text(statement, column) else { return .text("") }
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, column) {
                buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
            }
            return .blob(buffer)
        default: return .null
        }
    }
}

/// SQLite copies a bound text or blob at once (`SQLITE_TRANSIENT`, a C macro Swift cannot import).
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

extension SQLiteReaders {
    /// `$1`, `$2`… written as SQLite's `?1`, `?2`…: SQLite reads `$1` as a named parameter and numbers named
    /// parameters in the order they first appear, not by the digits.
    static func numberedParameters(_ sql: String) -> String {
        NumberedPlaceholders.replacing(in: sql, last: .max) { "?\($0)" }
    }
}

/// The column names of a statement's rows, shared by all of them.
final class RowColumns: Sendable {
    let names: [String]

    init(names: [String]) { self.names = names }

    /// The first column called `name`, as in SQLiteNIO. A row has a dozen columns at most, whose names are
    /// short strings stored inline, so comparing them in turn is quicker than hashing the name.
    func offset(of name: String) -> Int? { names.firstIndex(of: name) }
}

/// A row read by `SQLiteReaders`, decoded as SQLiteKit decodes its own rows (`SQLiteDataDecoder`). A column
/// read as the Swift type of its SQLite value (text as `String`, an integer as `Int` or `Int64`, a float as
/// `Double`, a NULL as an optional of these) is returned directly, as that decoder would return it, without
/// a dynamic cast or a decoder.
struct ReaderRow: SQLRow {
    let columns: RowColumns
    let values: [SQLiteData]

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.offset(of: column) != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let offset = columns.offset(of: column) else { return true }
        return values[offset] == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let offset = columns.offset(of: column) else {
            throw DirectSQLiteError(message: "no column «\(column)» in the row")
        }
        let value = values[offset]
        // `unsafeBitCast` only where `D` is the very type of the value cast.
        switch value {
        case .text(let text):
            if D.self == String.self { return unsafeBitCast(text, to: D.self) }
            if D.self == String?.self { return unsafeBitCast(String?.some(text), to: D.self) }
        case .integer(let number):
            if D.self == Int.self { return unsafeBitCast(Int(number), to: D.self) }
            if D.self == Int64.self { return unsafeBitCast(Int64(number), to: D.self) }
            if D.self == Int?.self { return unsafeBitCast(Int?.some(Int(number)), to: D.self) }
            if D.self == Int64?.self { return unsafeBitCast(Int64?.some(Int64(number)), to: D.self) }
        case .float(let number):
            if D.self == Double.self { return unsafeBitCast(number, to: D.self) }
            if D.self == Double?.self { return unsafeBitCast(Double?.some(number), to: D.self) }
        case .null:
            if D.self == String?.self { return unsafeBitCast(String?.none, to: D.self) }
            if D.self == Int?.self { return unsafeBitCast(Int?.none, to: D.self) }
            if D.self == Int64?.self { return unsafeBitCast(Int64?.none, to: D.self) }
            if D.self == Double?.self { return unsafeBitCast(Double?.none, to: D.self) }
        case .blob: break
        }
        return try SQLiteDataDecoder().decode(D.self, from: value)
    }
}

/// Makes the SQLite file's readers the current ones while a request is served.
struct SQLiteReadersMiddleware: AsyncMiddleware {
    let readers: SQLiteReaders

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        try await SQLiteReaders.$current.withValue(readers) { try await next.respond(to: request) }
    }
}

/// Closes the readers and the writer when the application shuts down.
struct SQLiteConnectionsShutdown: LifecycleHandler {
    let readers: SQLiteReaders
    let writer: SQLiteWriter
    func shutdown(_ application: Application) {
        readers.close()
        writer.close()
    }
}

extension Application {
    private struct SQLiteReadersKey: StorageKey { typealias Value = SQLiteReaders }

    /// The readers of the SQLite file, if the database is one.
    var sqliteReaders: SQLiteReaders? {
        get { storage[SQLiteReadersKey.self] }
        set { storage[SQLiteReadersKey.self] = newValue }
    }
}
