import Foundation

/// A business document laid out on A4 pages from top to bottom: paragraphs that wrap and align, tables with
/// borders whose rows continue on the next page under a repeated header, rules, signature lines, and
/// «Страница N из M» at the foot of every page. Text is set in the bundled DejaVu Sans Condensed, embedded as a
/// subset with a `ToUnicode` map so it can be searched and copied.
///
/// ```swift
/// let pdf = PDFDocument(info: .init(title: "Счет на оплату № 7", author: "АО «Энергосбыт»"))
/// pdf.paragraph("Счет на оплату № 7", size: 14, bold: true, align: .center)
/// pdf.table(PDFTable(columns: [.init(3), .init(1, align: .right)], header: ["Наименование", "Сумма"],
///                    rows: [.init(["Электроэнергия", "1 200,00"])]))
/// let bytes = pdf.finish()
/// ```
public final class PDFDocument {
    public struct Info: Sendable {
        public var title: String
        public var author: String
        public var subject: String?
        public var created: Date

        public init(title: String, author: String, subject: String? = nil, created: Date = Date()) {
            self.title = title
            self.author = author
            self.subject = subject
            self.created = created
        }
    }

    public enum Alignment: Sendable { case left, center, right }

    public static let pageWidth = 595.28
    public static let pageHeight = 841.89

    let info: Info
    let margin = (left: 42.0, right: 36.0, top: 40.0, bottom: 48.0)
    var pages: [[Operation]] = [[]]
    /// The images placed, each written once.
    var images: [PDFImage] = []
    /// Distance of the next line's top from the top of the page.
    var cursor: Double
    let regular: EmbeddedFont
    let bold: EmbeddedFont
    /// The footer of every page; `{page}` and `{pages}` are replaced when the document is finished.
    public var footer = "Страница {page} из {pages}"

    public init(info: Info, regular: TrueTypeFont = .regular, bold: TrueTypeFont = .bold) {
        self.info = info
        self.regular = EmbeddedFont(regular)
        self.bold = EmbeddedFont(bold)
        cursor = margin.top
    }

    /// The width text may take between the margins.
    public var contentWidth: Double { Self.pageWidth - margin.left - margin.right }
    var bottomLimit: Double { Self.pageHeight - margin.bottom }
    public var pageCount: Int { pages.count }

    // MARK: - Flow

    /// Text wrapped to the width, in lines separated by its own line breaks too.
    public func paragraph(
        _ text: String, size: Double = 10, bold isBold: Bool = false, align: Alignment = .left,
        indent: Double = 0, spaceAfter: Double = 4
    ) {
        let font = isBold ? bold : regular
        let width = contentWidth - indent
        let lineHeight = size * 1.25
        for line in font.wrap(text, size: size, width: width) {
            ensure(lineHeight)
            let x = margin.left + indent + font.offset(of: line, size: size, width: width, align: align)
            draw(.text(font, size, x, cursor + size * 0.95, line))
            cursor += lineHeight
        }
        cursor += spaceAfter
    }

    public func space(_ points: Double) {
        cursor += max(0, points)
        if cursor > bottomLimit { newPage() }
    }

    /// Starts a new page when less than `height` points are left on this one.
    public func keepTogether(_ height: Double) {
        ensure(height)
    }

    /// A horizontal line across the text width.
    public func rule(width: Double = 0.75, spaceAfter: Double = 6) {
        ensure(width + 2)
        draw(.line(margin.left, cursor, margin.left + contentWidth, cursor, width))
        cursor += width + spaceAfter
    }

    /// «label ______ /name/»: a place to sign (without the name when it is empty); signatures one under another
    /// line up when given the same `labelWidth`.
    public func signature(_ label: String, name: String, size: Double = 10, labelWidth: Double = 180) {
        let line = 150.0
        let labelWidth = min(contentWidth - line - 10, max(40, labelWidth))
        let lines = regular.wrap(label, size: size, width: labelWidth - 10)
        ensure(Double(lines.count) * size * 1.25 + size * 1.4)
        for (index, text) in lines.enumerated() {
            draw(.text(regular, size, margin.left, cursor + size * 0.95 + Double(index) * size * 1.25, text))
        }
        let baseline = cursor + size * 1.1 + Double(lines.count - 1) * size * 1.25
        draw(.line(margin.left + labelWidth, baseline, margin.left + labelWidth + line, baseline, 0.5))
        if !name.isEmpty {
            draw(.text(regular, size, margin.left + labelWidth + line + 8, baseline - size * 0.15, "/\(name)/"))
        }
        cursor = baseline + size * 1.5
    }

    /// A table: wrapped cells, borders, a shaded header repeated on each page the rows continue on.
    public func table(_ table: PDFTable) {
        let total = table.columns.reduce(0) { $0 + max(0.01, $1.weight) }
        let widths = table.columns.map { max(0.01, $0.weight) / total * contentWidth }
        let padding = 3.0
        let size = table.fontSize
        let lineHeight = size * 1.22

        func layout(_ cells: [String], bold isBold: Bool) -> (lines: [[String]], height: Double) {
            let font = isBold ? bold : regular
            let lines = widths.indices.map { index in
                font.wrap(index < cells.count ? cells[index] : "", size: size, width: widths[index] - 2 * padding)
            }
            let count = lines.map(\.count).max() ?? 1
            return (lines, Double(max(1, count)) * lineHeight + 2 * padding)
        }

        func drawRow(_ lines: [[String]], height: Double, bold isBold: Bool, shaded: Bool) {
            let font = isBold ? bold : regular
            var x = margin.left
            if shaded { draw(.fill(margin.left, cursor, contentWidth, height, 0.9)) }
            for (index, width) in widths.enumerated() {
                let column = table.columns[index]
                for (number, line) in lines[index].enumerated() {
                    let offset = font.offset(of: line, size: size, width: width - 2 * padding, align: column.align)
                    let y = cursor + padding + size * 0.95 + Double(number) * lineHeight
                    draw(.text(font, size, x + padding + offset, y, line))
                }
                if table.borders { draw(.stroke(x, cursor, width, height, 0.5)) }
                x += width
            }
            cursor += height
        }

        let header = table.header.map { layout($0, bold: true) }
        func drawHeader() {
            if let header { drawRow(header.lines, height: header.height, bold: true, shaded: table.borders) }
        }
        let firstRow = table.rows.first.map { layout($0.cells, bold: $0.bold).height } ?? 0
        ensure((header?.height ?? 0) + firstRow)
        drawHeader()
        for row in table.rows {
            var (lines, height) = layout(row.cells, bold: row.bold)
            let room = bottomLimit - cursor
            if height > room {
                if height <= bottomLimit - margin.top - (header?.height ?? 0) {
                    newPage()
                    drawHeader()
                } else {
                    // A row taller than a page: its lines are cut to what fits on a page.
                    let fit = max(1, Int((bottomLimit - margin.top - (header?.height ?? 0) - 2 * padding) / lineHeight))
                    lines = lines.map { Array($0.prefix(fit)) }
                    height = Double(fit) * lineHeight + 2 * padding
                    newPage()
                    drawHeader()
                }
            }
            drawRow(lines, height: height, bold: row.bold, shaded: false)
        }
        cursor += table.spaceAfter
    }

    /// An image scaled to the text width (or `maxHeight`, whichever is smaller), centred, on this page if it
    /// fits and on the next otherwise; `frame` draws a thin border around it.
    public func image(_ image: PDFImage, maxHeight: Double = 420, frame: Bool = true, spaceAfter: Double = 6) {
        let scale = min(contentWidth / Double(image.width), maxHeight / Double(image.height))
        let (width, height) = (Double(image.width) * scale, Double(image.height) * scale)
        ensure(height)
        images.append(image)
        let x = margin.left + (contentWidth - width) / 2
        draw(.image(images.count - 1, x, cursor, width, height))
        if frame { draw(.stroke(x, cursor, width, height, 0.5)) }
        cursor += height + spaceAfter
    }

    /// The finished file. The document can no longer be added to.
    public func finish() -> Data {
        let count = pages.count
        for index in pages.indices {
            let text = footer.replacingOccurrences(of: "{page}", with: "\(index + 1)")
                .replacingOccurrences(of: "{pages}", with: "\(count)")
            let size = 8.0
            let x = margin.left + regular.offset(of: text, size: size, width: contentWidth, align: .center)
            regular.use(text)
            pages[index].append(.text(regular, size, x, Self.pageHeight - 24, text))
        }
        return Data(PDFSerializer(document: self).bytes())
    }

    // MARK: - Pages

    func ensure(_ height: Double) {
        if cursor + height > bottomLimit && cursor > margin.top { newPage() }
    }

    func newPage() {
        pages.append([])
        cursor = margin.top
    }

    func draw(_ operation: Operation) {
        if case .text(let font, _, _, _, let text) = operation { font.use(text) }
        pages[pages.count - 1].append(operation)
    }

    /// What is drawn on a page, with y measured down from the top of the page.
    enum Operation {
        case text(EmbeddedFont, Double, Double, Double, String)
        case line(Double, Double, Double, Double, Double)
        case stroke(Double, Double, Double, Double, Double)
        case fill(Double, Double, Double, Double, Double)
        /// Image `index` of `images` in the box x, y, width, height.
        case image(Int, Double, Double, Double, Double)
    }
}

/// A table for `PDFDocument.table`: relative column widths, an optional header, rows of texts.
public struct PDFTable: Sendable {
    public struct Column: Sendable {
        public var weight: Double
        public var align: PDFDocument.Alignment
        public init(_ weight: Double, align: PDFDocument.Alignment = .left) {
            self.weight = weight
            self.align = align
        }
    }

    public struct Row: Sendable {
        public var cells: [String]
        public var bold: Bool
        public init(_ cells: [String], bold: Bool = false) {
            self.cells = cells
            self.bold = bold
        }
    }

    public var columns: [Column]
    public var header: [String]?
    public var rows: [Row]
    public var fontSize: Double
    public var borders: Bool
    public var spaceAfter: Double

    public init(
        columns: [Column], header: [String]? = nil, rows: [Row], fontSize: Double = 9, borders: Bool = true,
        spaceAfter: Double = 8
    ) {
        self.columns = columns.isEmpty ? [Column(1)] : columns
        self.header = header
        self.rows = rows
        self.fontSize = min(72, max(4, fontSize))
        self.borders = borders
        self.spaceAfter = spaceAfter
    }
}
