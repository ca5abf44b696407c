import FluentPostgresDriver
import Foundation
import NIOConcurrencyHelpers
import PortalDomain
import SQLKit

/// A query run on every request of a hot page, written once with `$1`, `$2`… placeholders (PostgreSQL's
/// spelling; SQLite gets `?1`, `?2`…, which bind the same way).
///
/// On PostgreSQL it is prepared once per connection (`PostgresStatements`) and then only executed: the
/// driver's ordinary queries are unnamed statements that PostgreSQL plans again on every run, and planning
/// was most of their cost — `pgbench` on the large data set runs «Оплата»'s query 1,141 times a second
/// unprepared and 4,261 prepared (issue 8). On a SQLite file, outside a transaction, it runs on one of
/// `SQLiteReaders`' connections, which keep it prepared too. Elsewhere (an in-memory SQLite, a transaction,
/// the command-line jobs) it goes through SQLKit like any other query.
///
/// PostgreSQL works out the type of each placeholder from the text, and the values go in binary as their
/// Swift types encode them: an `Int` or `Int64` must meet a `bigint` (cast it, `CAST($3::bigint AS integer)`,
/// where an `integer` is wanted), a `String` a text type, a `Date` a `timestamptz`. A mismatch is refused by
/// the server on the first run («incorrect binary data format»), so every statement's tests catch it.
protocol PreparedSQL: Sendable {
    /// The text, in PostgreSQL's spelling.
    static var sql: String { get }

    /// The values of `$1`, `$2`…, in that order.
    var values: [any PostgresEncodable & Encodable & Sendable] { get }

    /// The text on SQLite, where it must differ (say, in a function only one of the databases has): `sql`
    /// unless a statement says otherwise.
    static var sqliteSQL: String { get }

    /// On PostgreSQL, the names of `sql`'s columns, in order, when its rows are to come packed in one text
    /// (`PackedRows`); `nil`, the default, sends them row by row. Only for the plain types `PackedRow` reads.
    static var packedColumns: [String]? { get }

    /// The order of the packed rows, over the alias `packed` (say `packed.number`), when the caller needs
    /// one: an `ORDER BY` of `sql` itself does not bind the order `string_agg` meets them in.
    static var packedOrder: String? { get }
}

/// A list bound to a `PreparedSQL` as one JSON array of strings and read back by each database's own JSON
/// function as a table `e` with a column `value`, so the statement's text is the same whatever the list's
/// length and is prepared once (issue 8): a page's energy objects or meters, a link's objects.
enum JSONArray {
    /// `["a","b"]`, as the value to bind.
    static func encode(_ items: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(items), as: UTF8.self)
    }

    /// The table of the array bound as `$n`, on PostgreSQL.
    static func postgres(_ n: Int) -> String {
        "json_array_elements_text(CAST(CAST($\(n) AS TEXT) AS json)) AS e(value)"
    }

    /// The table of the array bound as `$n`, on SQLite.
    static func sqlite(_ n: Int) -> String { "json_each($\(n)) AS e" }
}

extension AccessPolicy {
    /// The roles that may perform every one of `actions`, as SQL string literals for an `IN (…)`: a hot
    /// statement that filters by role takes the roles from the policy, not a list of its own.
    static func rolesInSQL(allowing actions: ContractAction...) -> String {
        Role.allCases.filter { role in actions.allSatisfy { allows(role, $0) } }.map { "'\($0.rawValue)'" }
            .joined(separator: ", ")
    }
}

extension PreparedSQL {
    static var sqliteSQL: String { sql }
    static var packedColumns: [String]? { nil }
    static var packedOrder: String? { nil }

    /// The text prepared on PostgreSQL: `sql`, or its rows packed in one text, a record's text per line.
    static var postgresSQL: String {
        guard packedColumns != nil else { return sql }
        let order = packedOrder.map { " ORDER BY \($0)" } ?? ""
        return "SELECT string_agg(CAST(packed AS TEXT), chr(10)\(order)) AS packed FROM (\(sql)) AS packed"
    }

    /// The statement as SQLKit runs it: the dialect's text with its placeholders and the values as binds.
    var expression: any SQLExpression {
        NumberedPlaceholders(text: Self.sql, sqliteText: Self.sqliteSQL, values: values)
    }
}

extension SQLDatabase {
    /// The rows of a hot query: prepared once per connection on PostgreSQL and on SQLite's readers.
    func rows(_ statement: some PreparedSQL) async throws -> [any SQLRow] {
        if let readers = SQLiteReaders.serving(self) { return try readers.rows(statement) }
        if let postgres = self as? any PostgresDatabase {
            return try await PostgresStatements.rows(
                statement, binds: statement.values.map(PostgresStatements.data), on: postgres
            )
            .get()
        }
        return try await raw("\(statement.expression)").all()
    }
}

extension SQLDatabase {
    /// The rows of a statement that writes: prepared once per connection on PostgreSQL; on SQLite run by the
    /// driver (or the transaction it is given), never on the readers, which only read.
    func written(_ statement: some PreparedSQL) async throws -> [any SQLRow] {
        if self is any PostgresDatabase { return try await rows(statement) }
        return try await raw("\(statement.expression)").all()
    }
}

/// SQL text whose `$1`, `$2`… are written in the dialect's placeholders, with the values as its binds. The
/// text must have no other `$` followed by a digit (in a string literal, say): it would be taken for one.
struct NumberedPlaceholders: SQLExpression {
    let text: String
    /// The text on SQLite, if it differs.
    var sqliteText: String? = nil
    let values: [any Encodable & Sendable]

    func serialize(to serializer: inout SQLSerializer) {
        let base = serializer.binds.count
        serializer.binds += values
        let text = serializer.dialect.name == "sqlite" ? sqliteText ?? text : text
        for part in Self.parts(of: text, last: values.count) {
            serializer.write(part.literal)
            if let number = part.number {
                serializer.dialect.bindPlaceholder(at: base + number).serialize(to: &serializer)
            }
        }
    }

    /// `text` with each placeholder `$1` to `$last` written as `replacement` of its number.
    static func replacing(in text: String, last: Int, with replacement: (Int) -> String) -> String {
        parts(of: text, last: last).map { part in part.literal + (part.number.map(replacement) ?? "") }.joined()
    }

    /// The highest placeholder of `text` up to `$99`, 0 when it has none.
    static func highest(in text: String) -> Int {
        parts(of: text, last: 99).compactMap(\.number).max() ?? 0
    }

    /// `text` cut at its placeholders `$1` to `$last`: each run of literal text with the number of the
    /// placeholder after it (none after the last run). A `$` followed by anything else stays in the text.
    static func parts(of text: String, last: Int) -> [(literal: String, number: Int?)] {
        var parts: [(literal: String, number: Int?)] = []
        var literal = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            literal += rest[..<dollar]
            let digits = rest[rest.index(after: dollar)...].prefix { $0.isASCII && $0.isNumber }
            if let number = Int(digits), number >= 1, number <= last {
                parts.append((literal, number))
                literal = ""
            } else {
                literal += "$" + digits
            }
            rest = rest[rest.index(dollar, offsetBy: 1 + digits.count)...]
        }
        parts.append((literal + rest, nil))
        return parts
    }
}

/// A PostgreSQL row read as PostgresKit reads it (`PostgresRow.sql()`), with a shortcut for the plain types
/// the hot pages read (`String`, `Int`, `Int64`, `Bool`, `UUID` and their optionals): the cell decodes itself
/// as that concrete type. PostgresKit's way first asks at run time whether the type conforms to
/// `PostgresDecodable` and builds a coding path, for every column of every row, which was a fifth of
/// «Оплата» on PostgreSQL (issue 8). Anything else, and a string of a user-defined type (a Fluent enum, which
/// PostgresKit reads specially), goes PostgresKit's way.
struct PostgresPlainRow: SQLRow {
    let row: PostgresRow
    /// The names of the result's columns, shared by its rows: found by comparing short names in turn, with
    /// no per-row lookup table to copy (`makeRandomAccess()`) nor a name to hash per value.
    let columns: RowColumns
    /// The row's cells, found in one pass: a `PostgresRow` reaches its n-th cell by stepping over the lengths
    /// of the cells before it, which for a row read column by column was a walk from the start per value.
    let cells: [PostgresCell]

    /// The rows come from `PostgresStatements`, whose prepared queries PostgresNIO describes with the format
    /// of `Describe`'s answer (text) while it asks for, and gets, every value in binary (as its own comment in
    /// `ExtendedQueryStateMachine` says); the cells get the format of their bytes here.
    init(row: PostgresRow, columns: RowColumns) {
        self.row = row
        self.columns = columns
        cells = row.map {
            PostgresCell(
                bytes: $0.bytes, dataType: $0.dataType, format: .binary, columnName: $0.columnName,
                columnIndex: $0.columnIndex)
        }
    }

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.offset(of: column) != nil }

    func cell(_ offset: Int) -> PostgresCell { cells[offset] }

    /// The bytes of the column called `name`: nil for `NULL` or no such column.
    func bytes(column name: String) -> ByteBuffer? { columns.offset(of: name).flatMap { cells[$0].bytes } }

    private static func decode<T: PostgresDecodable>(_ cell: PostgresCell, as type: T.Type) throws -> T {
        try cell.decode(T.self)
    }

    func decodeNil(column: String) throws -> Bool {
        guard let offset = columns.offset(of: column) else { return true }
        return cell(offset).bytes == nil
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        if let offset = columns.offset(of: column) {
            let cell = cell(offset)
            if !cell.dataType.isUserDefined {
                if D.self == String.self { return unsafeBitCast(try cell.decode(String.self), to: D.self) }
                if D.self == String?.self { return unsafeBitCast(try cell.decode(String?.self), to: D.self) }
            }
            if D.self == Int.self { return unsafeBitCast(try cell.decode(Int.self), to: D.self) }
            if D.self == Int?.self { return unsafeBitCast(try cell.decode(Int?.self), to: D.self) }
            if D.self == Int64.self { return unsafeBitCast(try cell.decode(Int64.self), to: D.self) }
            if D.self == Int64?.self { return unsafeBitCast(try cell.decode(Int64?.self), to: D.self) }
            if D.self == Bool.self { return unsafeBitCast(try cell.decode(Bool.self), to: D.self) }
            if D.self == UUID.self { return unsafeBitCast(try cell.decode(UUID.self), to: D.self) }
            if D.self == UUID?.self { return unsafeBitCast(try cell.decode(UUID?.self), to: D.self) }
            if cell.dataType == .numeric && D.self == Double.self,
                let value = PostgresData(type: .numeric, formatCode: .binary, value: cell.bytes).double
            {
                // As PostgresKit reads a `numeric` asked for as a `Double` (and refuses it as a `Double?`).
                return value as! D
            }
            if !cell.dataType.isUserDefined, let decodable = D.self as? any PostgresDecodable.Type {
                return try Self.decode(cell, as: decodable) as! D
            }
        }
        return try row.sql().decode(column: column, as: D.self)
    }
}

/// Rows PostgreSQL sent as one text (`PreparedSQL.packedColumns`): each row as a record's text, `(a,b,…)`,
/// one per line. One message and one value carry a page's rows, where row by row each was a message of its
/// own, a `PostgresRow`, a trip through PostgresNIO's row stream and an array of cells (35–40 % of the
/// portal's CPU on the PostgreSQL «Оплата» and «Показания» pages; issue 8).
///
/// A record's text (PostgreSQL's `record_out`) leaves a field empty for `NULL`, writes `""` for an empty
/// string, and quotes a field holding a quote, backslash, comma, parenthesis or white space, doubling quotes
/// and backslashes inside; so a line break outside quotes only ever ends a row. Each cell keeps its start
/// and end in the text, read when a column is asked for.
final class PackedRows: Sendable {
    struct Cell {
        let start: Int
        /// `-1` for `NULL`.
        let end: Int
        /// Quoted: its quotes and backslashes are escaped.
        let escaped: Bool
    }

    let bytes: [UInt8]
    let columns: RowColumns
    /// Row by row, `columns.names.count` cells each.
    let cells: [Cell]

    /// A `NULL` text (no rows for `string_agg`) is no rows.
    init(text: ByteBuffer?, columns: RowColumns) throws {
        self.columns = columns
        bytes = text.map { Array($0.readableBytesView) } ?? []
        let width = columns.names.count
        var cells: [Cell] = []
        var index = 0
        let bytes = self.bytes
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), comma = UInt8(ascii: ","),
            open = UInt8(ascii: "("), close = UInt8(ascii: ")"), newline = UInt8(ascii: "\n")
        while index < bytes.count {
            guard bytes[index] == open else { throw Self.malformed("a row does not start with «(»") }
            index += 1
            for column in 0..<width {
                if index < bytes.count, bytes[index] == quote {
                    index += 1
                    let start = index
                    var escaped = false
                    while true {
                        guard index < bytes.count else { throw Self.malformed("a quoted field does not end") }
                        let byte = bytes[index]
                        if byte == backslash {
                            escaped = true
                            index += 2
                        } else if byte == quote {
                            if index + 1 < bytes.count, bytes[index + 1] == quote {
                                escaped = true
                                index += 2
                            } else {
                                break
                            }
                        } else {
                            index += 1
                        }
                    }
                    cells.append(Cell(start: start, end: index, escaped: escaped))
                    index += 1
                } else {
                    let start = index
                    while index < bytes.count, bytes[index] != comma, bytes[index] != close { index += 1 }
                    cells.append(Cell(start: start, end: index == start ? -1 : index, escaped: false))
                }
                guard index < bytes.count, bytes[index] == (column == width - 1 ? close : comma) else {
                    throw Self.malformed("a row has other than \(width) columns")
                }
                index += 1
            }
            if index < bytes.count {
                guard bytes[index] == newline else { throw Self.malformed("rows are not one per line") }
                index += 1
            }
        }
        self.cells = cells
    }

    var rows: [any SQLRow] {
        (0..<cells.count / max(columns.names.count, 1)).map { PackedRow(rows: self, index: $0) }
    }

    /// The cell of `row` in the column at `offset`.
    func cell(row: Int, column offset: Int) -> Cell { cells[row * columns.names.count + offset] }

    /// The cell's text, or nil for `NULL`.
    func text(row: Int, column offset: Int) -> String? {
        let cell = cell(row: row, column: offset)
        guard cell.end >= 0 else { return nil }
        guard cell.escaped else { return String(decoding: bytes[cell.start..<cell.end], as: UTF8.self) }
        var unescaped: [UInt8] = []
        var index = cell.start
        while index < cell.end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") {
                index += 1
            }
            unescaped.append(bytes[index])
            index += 1
        }
        return String(decoding: unescaped, as: UTF8.self)
    }

    /// The cell's whole number read from its bytes, without making a string, as `Int64(text)` reads it (an
    /// optional sign, then digits); nil for `NULL`, for anything else and for a number out of range.
    func int64(row: Int, column offset: Int) -> Int64? {
        let cell = cell(row: row, column: offset)
        guard cell.end > cell.start, !cell.escaped else { return nil }
        var index = cell.start
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative || bytes[index] == UInt8(ascii: "+") { index += 1 }
        guard index < cell.end else { return nil }
        var value: Int64 = 0
        while index < cell.end {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            // Negative numbers are built downwards, so that `Int64.min` fits.
            let (shifted, overflowTimes) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowPlus) =
                negative
                ? shifted.subtractingReportingOverflow(Int64(digit)) : shifted.addingReportingOverflow(Int64(digit))
            guard !overflowTimes, !overflowPlus else { return nil }
            value = next
            index += 1
        }
        return value
    }

    /// Whether the cell is `NULL`.
    func isNull(row: Int, column offset: Int) -> Bool { cell(row: row, column: offset).end < 0 }

    static func malformed(_ what: String) -> any Error {
        DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Packed rows: \(what)"))
    }
}

/// One of `PackedRows`.
struct PackedRow: SQLRow {
    let rows: PackedRows
    let index: Int

    var allColumns: [String] { rows.columns.names }

    func contains(column: String) -> Bool { rows.columns.offset(of: column) != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let offset = rows.columns.offset(of: column) else { return true }
        return rows.isNull(row: index, column: offset)
    }

    /// The text as the plain types the hot statements read.
    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let offset = rows.columns.offset(of: column) else {
            throw DecodingError.keyNotFound(
                SomeCodingKey(stringValue: column), .init(codingPath: [], debugDescription: "No column «\(column)»"))
        }
        func mismatch(_ text: String?) -> any Error {
            DecodingError.typeMismatch(
                D.self,
                .init(codingPath: [], debugDescription: "Column «\(column)» («\(text ?? "NULL")») is not a \(D.self)"))
        }
        // `unsafeBitCast` only where `D` is the very type of the value cast, as in `ReaderRow`.
        // Whole numbers are read from the bytes, without a string: a third of a «Показания» row's cells (issue 8).
        if D.self == Int64.self || D.self == Int.self || D.self == Int64?.self || D.self == Int?.self {
            if let number = rows.int64(row: index, column: offset) {
                if D.self == Int64.self { return unsafeBitCast(number, to: D.self) }
                if D.self == Int64?.self { return unsafeBitCast(Int64?.some(number), to: D.self) }
                if let number = Int(exactly: number) {
                    if D.self == Int.self { return unsafeBitCast(number, to: D.self) }
                    return unsafeBitCast(Int?.some(number), to: D.self)
                }
            } else if rows.isNull(row: index, column: offset) {
                // `NULL`: only an optional reads it.
                if D.self == Int64?.self { return unsafeBitCast(Int64?.none, to: D.self) }
                if D.self == Int?.self { return unsafeBitCast(Int?.none, to: D.self) }
            }
            throw mismatch(rows.text(row: index, column: offset))
        }
        let text = rows.text(row: index, column: offset)
        guard let text else {
            // `NULL`: only an optional reads it.
            if D.self == String?.self { return unsafeBitCast(String?.none, to: D.self) }
            if D.self == UUID?.self { return unsafeBitCast(UUID?.none, to: D.self) }
            throw mismatch(nil)
        }
        if D.self == String.self { return unsafeBitCast(text, to: D.self) }
        if D.self == String?.self { return unsafeBitCast(String?.some(text), to: D.self) }
        if D.self == UUID.self, let uuid = UUID(uuidString: text) { return unsafeBitCast(uuid, to: D.self) }
        if D.self == UUID?.self, let uuid = UUID(uuidString: text) {
            return unsafeBitCast(UUID?.some(uuid), to: D.self)
        }
        if D.self == Bool.self, text == "t" || text == "f" { return unsafeBitCast(text == "t", to: D.self) }
        if D.self == Double.self, let number = Double(text) { return unsafeBitCast(number, to: D.self) }
        throw mismatch(text)
    }
}

/// The hot statements prepared on each PostgreSQL connection, with their rows gathered on the event loop.
///
/// PostgresNIO's async `execute` hands the rows over as an async sequence whose `next()` runs on Swift's
/// generic executor: with NIO's event loops as that executor, every row was a hop through the loop's queue
/// (`swift_task_switch`: 784 per «Оплата» page and 3,023 per «Показания» page on PostgreSQL; issue 8). Its
/// future-based `PreparedQuery` gathers them in the channel's handler and completes one future. A statement is
/// prepared once per connection, on first use there, and forgotten when the connection closes. Statements are
/// known by their type, as on `SQLiteReaders`.
enum PostgresStatements {
    /// By connection, then by statement type.
    private static let cache = NIOLockedValueBox([ObjectIdentifier: [ObjectIdentifier: PreparedQuery]]())

    static func prepared(_ statement: any PreparedSQL.Type, on connection: PostgresConnection)
        -> EventLoopFuture<PreparedQuery>
    {
        let key = ObjectIdentifier(connection)
        let kind = ObjectIdentifier(statement)
        if let query = cache.withLockedValue({ $0[key]?[kind] }) {
            return connection.eventLoop.makeSucceededFuture(query)
        }
        return connection.prepare(query: statement.postgresSQL).map { query in
            let first = cache.withLockedValue { cache -> Bool in
                let first = cache[key] == nil
                cache[key, default: [:]][kind] = query
                return first
            }
            if first {
                // The entry holds the connection (its queries do), so the identifier cannot be reused before
                // the entry goes.
                connection.closeFuture.whenComplete { _ in _ = cache.withLockedValue { $0.removeValue(forKey: key) } }
            }
            return query
        }
    }

    /// The rows of `statement` run with `binds` on one of `database`'s connections, gathered on its event loop.
    static func rows<Statement: PreparedSQL>(
        _ statement: Statement, binds: [PostgresData], on database: any PostgresDatabase
    ) -> EventLoopFuture<[any SQLRow]> {
        database.withConnection { connection in
            prepared(Statement.self, on: connection).flatMap { $0.execute(binds) }
        }.flatMapThrowing { rows -> [any SQLRow] in
            guard let first = rows.first else { return [] }
            if let names = Statement.packedColumns {
                return try PackedRows(text: first.first?.bytes, columns: RowColumns(names: names)).rows
            }
            let columns = RowColumns(names: first.map(\.columnName))
            return rows.map { PostgresPlainRow(row: $0, columns: columns) }
        }
    }

    /// A value as the bind of a prepared query: its type, format and bytes, as `PostgresBindings` sends them.
    /// The statements' values are never optional (a missing one goes as `''`), so none is `NULL`.
    static func data(_ value: any PostgresEncodable & Encodable & Sendable) throws -> PostgresData {
        var buffer = ByteBuffer()
        try value.encode(into: &buffer, context: .default)
        return PostgresData(type: value.psqlType, formatCode: value.psqlFormat, value: buffer)
    }
}
