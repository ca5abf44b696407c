import Foundation
import PortalDomain
import SQLKit

/// What is wrong with one field of a request, by its JSON Pointer path.
struct BillingProblem: Sendable, Equatable, Codable {
    let path: String
    let message: String
}

/// Checks a batch of billing records and writes it: all of it, or nothing.
enum BillingIntake {
    struct Outcome: Sendable, Equatable {
        var received: Int
        /// The ids of the batch not stored before it.
        var createdIDs: [String]
        var created: Int { createdIDs.count }
    }

    struct Rejected: Error {
        let problems: [BillingProblem]
    }

    /// Checks the shape of every record; returns the rows to write (column → value) or every problem found.
    static func validate(_ body: JSONValue, as entity: BillingEntity) -> Result<[[String: SQLValue]], Rejected> {
        guard case .object(let top) = body else {
            return .failure(Rejected(problems: [.init(path: "", message: "must be an object with \"items\"")]))
        }
        var problems: [BillingProblem] = []
        for key in top.keys where key != "items" {
            problems.append(.init(path: "/\(pointer(key))", message: "unknown field"))
        }
        guard case .array(let items) = top["items"] ?? .null else {
            problems.append(.init(path: "/items", message: "must be an array of records"))
            return .failure(Rejected(problems: problems))
        }
        if items.isEmpty || items.count > BillingEntity.maxBatch {
            problems.append(.init(path: "/items", message: "must hold 1 to \(BillingEntity.maxBatch) records"))
            return .failure(Rejected(problems: problems))
        }
        var rows: [[String: SQLValue]] = []
        rows.reserveCapacity(items.count)
        var seen: [String: Int] = [:]
        let known = Set(entity.fields.map(\.name))
        for (index, item) in items.enumerated() {
            let base = "/items/\(index)"
            guard case .object(let record) = item else {
                problems.append(.init(path: base, message: "must be an object"))
                continue
            }
            for key in record.keys.sorted() where !known.contains(key) {
                problems.append(.init(path: "\(base)/\(pointer(key))", message: "unknown field"))
            }
            var row: [String: SQLValue] = [:]
            for field in entity.fields {
                let value = record[field.name] ?? .null
                switch read(value, field) {
                case .success(let sqlValue): row[field.column] = sqlValue
                case .failure(let message): problems.append(.init(path: "\(base)/\(field.name)", message: message.text))
                }
            }
            if case .text(let id) = row["id"] {
                if let first = seen[id] {
                    problems.append(.init(path: "\(base)/id", message: "repeats the id of /items/\(first)"))
                }
                seen[id] = index
            }
            for (field, message) in entity.check?(row) ?? [] {
                problems.append(.init(path: "\(base)/\(field)", message: message))
            }
            rows.append(row)
        }
        return problems.isEmpty ? .success(rows) : .failure(Rejected(problems: problems))
    }

    /// Writes checked rows inside the caller's transaction, after checking references and unique keys against
    /// the database. Throws `Rejected` (and writes nothing) if any of them fails.
    static func write(_ rows: [[String: SQLValue]], as entity: BillingEntity, on sql: any SQLDatabase) async throws
        -> Outcome
    {
        var rows = rows
        var problems: [BillingProblem] = []

        // References: each must name an existing row; a child copies its parent's contract.
        for field in entity.fields {
            guard case .reference(let table) = field.kind else { continue }
            let wanted = Array(Set(rows.compactMap { $0[field.column]?.text }))
            let inheritsContract = entity.contractFrom == field.name
            var parents: [String: String] = [:]
            for chunk in wanted.chunked(500) {
                let query = sql.select().column("id").from(table).where("id", .in, chunk)
                if inheritsContract { query.column("contract_id") }
                for row in try await query.all() {
                    let id = try row.decode(column: "id", as: String.self)
                    parents[id] = inheritsContract ? try row.decode(column: "contract_id", as: String.self) : id
                }
            }
            for index in rows.indices {
                guard let id = rows[index][field.column]?.text else { continue }
                if let contract = parents[id] {
                    if inheritsContract { rows[index]["contract_id"] = .text(contract) }
                } else {
                    problems.append(
                        .init(path: "/items/\(index)/\(field.name)", message: "no \(table) row has this id"))
                }
            }
        }

        // Unique keys: within the batch and against other rows already stored.
        for key in entity.uniqueKeys {
            let columns = key.map { name in entity.fields.first { $0.name == name }!.column }
            func keyOf(_ row: [String: SQLValue]) -> [String] { columns.map { row[$0]?.text ?? "" } }
            var owners: [[String]: (id: String, index: Int)] = [:]
            for (index, row) in rows.enumerated() {
                let id = row["id"]?.text ?? ""
                if let other = owners[keyOf(row)], other.id != id {
                    problems.append(
                        .init(path: "/items/\(index)/\(key[0])", message: "repeats the value of /items/\(other.index)"))
                }
                owners[keyOf(row)] = (id, index)
            }
            let firstValues = Array(Set(rows.compactMap { $0[columns[0]]?.text }))
            for chunk in firstValues.chunked(500) {
                let query = sql.select().column("id").from(entity.table).where(SQLIdentifier(columns[0]), .in, chunk)
                for column in columns { query.column(column) }
                for stored in try await query.all() {
                    let id = try stored.decode(column: "id", as: String.self)
                    let storedKey = try columns.map { try stored.decode(column: $0, as: String.self) }
                    if let owner = owners[storedKey], owner.id != id {
                        problems.append(
                            .init(
                                path: "/items/\(owner.index)/\(key[0])",
                                message: "already belongs to the record with id \(id)"))
                    }
                }
            }
        }
        guard problems.isEmpty else { throw Rejected(problems: problems) }

        let created = try await newIDs(rows, in: entity.table, on: sql)
        try await upsert(rows, into: entity.table, columns: entity.columns, on: sql)
        return Outcome(received: rows.count, createdIDs: created)
    }

    /// The ids among `rows` that `table` does not hold yet, in their order.
    static func newIDs(_ rows: [[String: SQLValue]], in table: String, on sql: any SQLDatabase) async throws
        -> [String]
    {
        let ids = rows.compactMap { $0["id"]?.text }
        var stored = Set<String>()
        for chunk in ids.chunked(500) {
            for row in try await sql.select().column("id").from(table).where("id", .in, chunk).all() {
                stored.insert(try row.decode(column: "id", as: String.self))
            }
        }
        return ids.filter { !stored.contains($0) }
    }

    /// `INSERT … ON CONFLICT (id) DO UPDATE` in statements small enough for both databases' bind limits, then
    /// what the rows' parents keep of them (`BillingSummary`).
    static func upsert(_ rows: [[String: SQLValue]], into table: String, columns: [String], on sql: any SQLDatabase)
        async throws
    {
        let perStatement = max(1, 20_000 / max(1, columns.count))
        let summary = BillingSummary.all.first { $0.table == table }
        for chunk in rows.chunked(perStatement) {
            var parents: [String] = []
            if let summary {
                parents = try await summary.parents(ofRows: chunk.compactMap { $0["id"]?.text }, on: sql)
                parents += chunk.compactMap { $0[summary.parentColumn]?.text }
            }
            let insert = sql.insert(into: table).columns(columns)
            for row in chunk { insert.values(columns.map { (row[$0] ?? .null).expression }) }
            insert.onConflict(with: ["id"]) { update in
                for column in columns where column != "id" { update.set(excludedValueOf: column) }
                return update
            }
            try await insert.run()
            if let summary { try await summary.refresh(parents: parents, on: sql) }
        }
    }

    // MARK: - Fields

    static func read(_ value: JSONValue, _ field: BillingField) -> Result<SQLValue, Message> {
        if value == .null {
            return field.required ? .failure("is required") : .success(.null)
        }
        switch field.kind {
        case .text(let max):
            return text(value, max: max).map { .text($0) }
        case .reference:
            return text(value, max: 64).map { .text($0) }
        case .rule(let rule):
            return text(value, max: 300).flatMap { checked($0, rule) }.map { .text($0) }
        case .choice(let options):
            guard case .string(let text) = value, options.contains(text) else {
                return .failure(Message("must be one of: \(options.joined(separator: ", "))"))
            }
            return .success(.text(text))
        case .integer(let range):
            guard case .number(let number) = value, number.rounded() == number, number.magnitude < 1e17,
                range.contains(Int64(number))
            else { return .failure(Message("must be a whole number from \(range.lowerBound) to \(range.upperBound)")) }
            return .success(.int(Int64(number)))
        case .boolean:
            guard case .bool(let flag) = value else { return .failure("must be true or false") }
            return .success(.bool(flag))
        case .date:
            guard case .string(let text) = value, BillingDates.isDate(text) else {
                return .failure("must be a date YYYY-MM-DD")
            }
            return .success(.text(text))
        case .period:
            guard case .string(let text) = value, text.count == 7, BillingPeriod(text) != nil else {
                return .failure("must be a month YYYY-MM")
            }
            return .success(.text(text))
        case .reading:
            guard case .string(let text) = value, let milli = ReadingValue.thousandths(text) else {
                return .failure("must be a string with up to 12 digits and 3 decimals, e.g. \"12345.678\"")
            }
            return .success(.int(milli))
        case .emails:
            guard case .array(let list) = value, list.count <= 50 else {
                return .failure("must be an array of at most 50 e-mails")
            }
            var out: [String] = []
            for entry in list {
                guard case .string(let text) = entry, let email = EmailAddress.normalize(text) else {
                    return .failure("every entry must be an e-mail address")
                }
                if !out.contains(email) { out.append(email) }
            }
            return .success(.text(out.joined(separator: "\n")))
        case .base64(let maxBytes):
            guard case .string(let text) = value, let data = Data(base64Encoded: text), data.count <= maxBytes else {
                return .failure(Message("must be base64 of at most \(maxBytes) bytes"))
            }
            return .success(.data(data))
        }
    }

    struct Message: Error, ExpressibleByStringLiteral, Equatable {
        let text: String
        init(_ text: String) { self.text = text }
        init(stringLiteral value: String) { text = value }
    }

    private static func text(_ value: JSONValue, max: Int) -> Result<String, Message> {
        guard case .string(let text) = value else { return .failure("must be a string") }
        // Byte-level checks: this runs for every field of every record (millions in `lkk demo`).
        var blank = true
        for scalar in text.unicodeScalars {
            let code = scalar.value
            if code < 0x20 && code != 0x0A || (0x7F...0x9F).contains(code) {
                return .failure("must not contain control characters")
            }
            if blank && !(code == 0x20 || code == 0x0A || code == 0xA0 || scalar.properties.isWhitespace) {
                blank = false
            }
        }
        guard !blank else { return .failure("must not be empty") }
        guard text.utf8.count <= max || text.count <= max else {
            return .failure(Message("must be at most \(max) characters"))
        }
        return .success(text)
    }

    private static func checked(_ text: String, _ rule: BillingField.Rule) -> Result<String, Message> {
        switch rule {
        case .contractNumber:
            guard text.count == 14, ContractNumber(text) != nil else { return .failure("must be 14 digits") }
        case .inn:
            guard TaxIdentifiers.isValidINN(text) else { return .failure("must be a valid ИНН") }
        case .kpp:
            guard TaxIdentifiers.isValidKPP(text) else { return .failure("must be a КПП of 9 characters") }
        case .ogrn:
            guard TaxIdentifiers.isValidOGRN(text) else { return .failure("must be a valid ОГРН or ОГРНИП") }
        case .bik:
            guard TaxIdentifiers.isValidBIK(text) else { return .failure("must be a БИК of 9 digits starting with 04") }
        case .account:
            guard text.count == 20, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                return .failure("must be 20 digits")
            }
        case .email:
            guard let email = EmailAddress.normalize(text) else { return .failure("must be an e-mail address") }
            return .success(email)
        case .phone:
            guard text.count <= 40, text.allSatisfy({ $0.isASCII && ($0.isNumber || " +-()".contains($0)) }),
                text.filter(\.isNumber).count >= 5
            else { return .failure("must be a phone number") }
        }
        return .success(text)
    }
}

/// Dates as billing sends them.
enum BillingDates {
    /// Whether `text` is a real calendar date `YYYY-MM-DD`.
    static func isDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let period = BillingPeriod(year: year, month: month)
        else { return false }
        return (1...period.dayCount).contains(day)
    }
}

/// Register values as exact thousandths.
enum ReadingValue {
    /// `"12345.678"` → 12345678; at most 12 digits before the point and 3 after.
    static func thousandths(_ text: String) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, (1...12).contains(whole.count),
            whole.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= 3, fraction.allSatisfy({ $0.isASCII && $0.isNumber }),
            parts.count == 1 || !fraction.isEmpty
        else { return nil }
        fraction += String(repeating: "0", count: 3 - fraction.count)
        return Int64(whole)! * 1000 + Int64(fraction)!
    }

    /// 12345678 → `"12345.678"`.
    static func text(_ milli: Int64) -> String {
        let fraction = milli % 1000
        return "\(milli / 1000).\(String(format: "%03d", fraction))"
    }
}

/// The JSON Pointer escape of one path segment.
func pointer(_ key: String) -> String {
    key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
}

extension Array {
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
