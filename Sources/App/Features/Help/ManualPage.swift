import Markup

/// «Инструкция пользователя» (manual §9.1): `Manual`'s sections with their screenshots, and the PDF download.
struct ManualPage: Sendable {
    var context: ShellContext
    /// The supplier's own section, as its staff wrote it (empty: none).
    var supplier = ""

    static let mock = ManualPage(context: .anonymous)

    func render() -> HTML {
        var figure = 0
        let all = Manual.sections(supplier: supplier)
        let contents = all.map { section -> HTML in
            "<li><a href=\"#\(section.id)\">\(section.title)</a></li>"
        }
        let sections = all.map { section -> HTML in
            let blocks = section.blocks.map { block -> HTML in
                switch block {
                case .text(let text): return PlainText.html(text)
                case .heading(let text): return "<h3>\(text)</h3>"
                case .steps(let items): return "<ol>\(each: items, { "<li>\($0)</li>" as HTML })</ol>"
                case .list(let items): return "<ul>\(each: items, { "<li>\($0)</li>" as HTML })</ul>"
                case .figure(let name, let caption):
                    figure += 1
                    return """
                        <figure class="manual-figure"><img src="\(Manual.imagePath(name))" alt="\(caption)" loading="lazy">
                        <figcaption>Рисунок \(String(figure)) – \(caption)</figcaption></figure>
                        """
                }
            }
            return
                "<section id=\"\(section.id)\"><h2>\(section.title)</h2>\(HTML.join(blocks, separator: ""))</section>"
        }
        return Layout.page(
            title: Manual.title, context: context,
            content: """
                <article class="prose manual">
                <h1>\(Manual.title)</h1>
                <p><a class="button button-secondary" href="\(SitePath.manualPDF.path)" download>\(Icons.download) Скачать PDF</a></p>
                <p>\(Manual.introduction)</p>
                <nav aria-label="Содержание"><h2>Содержание</h2><ol class="manual-contents">\(HTML.join(contents, separator: ""))</ol></nav>
                \(HTML.join(sections, separator: ""))
                </article>
                """)
    }
}
