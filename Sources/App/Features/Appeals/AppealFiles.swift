import Foundation

/// Files attached to appeals: what kinds are taken, judged by their bytes, not by their names.
enum AppealFiles {
    static let maxBytes = 10 * 1024 * 1024
    static let maxFiles = 5

    enum Kind: String, CaseIterable {
        case pdf, jpeg, png, office, legacyOffice

        var contentType: String {
            switch self {
            case .pdf: "application/pdf"
            case .jpeg: "image/jpeg"
            case .png: "image/png"
            case .office: "application/vnd.openxmlformats-officedocument"
            case .legacyOffice: "application/x-ole-storage"
            }
        }

        /// The extensions a file of this kind may carry.
        var extensions: Set<String> {
            switch self {
            case .pdf: ["pdf"]
            case .jpeg: ["jpg", "jpeg"]
            case .png: ["png"]
            case .office: ["docx", "xlsx"]
            case .legacyOffice: ["doc", "xls"]
            }
        }
    }

    /// The kind the bytes are, or nil for anything else (an executable, an archive, text…).
    static func kind(of data: Data) -> Kind? {
        let bytes = [UInt8](data.prefix(8))
        func starts(_ prefix: [UInt8]) -> Bool {
            bytes.count >= prefix.count && Array(bytes.prefix(prefix.count)) == prefix
        }
        if starts([0x25, 0x50, 0x44, 0x46, 0x2D]) { return .pdf }  // %PDF-
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0x50, 0x4B, 0x03, 0x04]) {
            // A zip is taken only as a Word or Excel document: it must hold [Content_Types].xml.
            return data.range(of: Data("[Content_Types].xml".utf8)) != nil ? .office : nil
        }
        if starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return .legacyOffice }
        return nil
    }

    /// Why a file is refused, in Russian, or nil when it is taken.
    static func problem(name: String, data: Data) -> String? {
        let display = name.isEmpty ? "без имени" : name
        guard !data.isEmpty else { return "Файл «\(display)» пустой" }
        guard data.count <= maxBytes else { return "Файл «\(display)» больше 10 МБ" }
        let ext = (name as NSString).pathExtension.lowercased()
        guard let kind = kind(of: data) else {
            return "Файл «\(display)» не подходит: прикрепите PDF, JPEG, PNG, документ Word или таблицу Excel"
        }
        guard kind.extensions.contains(ext) else {
            return "Файл «\(display)» по содержимому не совпадает со своим расширением"
        }
        return nil
    }

    /// A name safe to store and to send back: no path, no control characters, at most 150 characters.
    static func cleanName(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? "file"
        let cleaned = String(last.filter { !$0.isNewline && $0.unicodeScalars.allSatisfy { $0.value >= 0x20 } })
        return String(cleaned.prefix(150))
    }
}
