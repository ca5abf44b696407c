import Markup

/// Form parts shared by every page: labelled inputs with their error next to them, checkboxes, the CSRF
/// field. A field keeps what was typed (passwords never come back).
enum Forms {
    static func csrf(_ token: String) -> HTML {
        "<input type=\"hidden\" name=\"\(CSRFMiddleware.fieldName)\" value=\"\(token)\">"
    }

    static func input(
        name: String, label: String, type: String = "text", value: String? = nil, error: String? = nil,
        autocomplete: String? = nil, required: Bool = true, inputmode: String? = nil, autofocus: Bool = false
    ) -> HTML {
        let id = "f-\(name)"
        let errorID = "\(id)-error"
        return """
            <div class="field\(error == nil ? "" : " field-invalid")">
            <label for="\(id)">\(label)</label>
            <input id="\(id)" name="\(name)" type="\(type)"\(attr: "value", type == "password" ? nil : value)\(attr: "autocomplete", autocomplete)\(attr: "inputmode", inputmode)\(flag: "required", required)\(flag: "autofocus", autofocus)\(attr: "aria-describedby", error == nil ? nil : errorID)\(attr: "aria-invalid", error == nil ? nil : "true")>
            \(error.map { message -> HTML in "<p class=\"field-error\" id=\"\(errorID)\">\(message)</p>" })
            </div>
            """
    }

    static func checkbox(name: String, label: HTML, checked: Bool, error: String? = nil, required: Bool = false) -> HTML
    {
        let id = "f-\(name)"
        return """
            <div class="field field-check\(error == nil ? "" : " field-invalid")">
            <input id="\(id)" name="\(name)" type="checkbox" value="on"\(flag: "checked", checked)\(flag: "required", required)>
            <label for="\(id)">\(label)</label>
            \(error.map { message -> HTML in "<p class=\"field-error\">\(message)</p>" })
            </div>
            """
    }

    /// The `<option>`s of a choice of contracts, «Все договоры» first when `all`.
    static func contractOptions(_ contracts: [ContractOption], selected: String, all: Bool) -> HTML {
        let options = contracts.map { contract -> HTML in
            "<option value=\"\(contract.number)\"\(flag: "selected", contract.number == selected)>№ \(contract.number) — \(contract.name)</option>"
        }
        let first: HTML = all ? "<option value=\"\">Все договоры</option>" : .empty
        return HTML.join([first] + options, separator: "")
    }

    /// A message for the whole form, above its fields.
    static func alert(_ message: String?, kind: String = "error") -> HTML {
        guard let message else { return .empty }
        return "<div class=\"alert alert-\(kind)\" role=\"alert\">\(message)</div>"
    }
}

/// Page links under a long list: the current page as text, the others as links.
enum Pager {
    /// Nothing when everything fits on one page; `href` gives each page's address.
    static func html(page: Int, count: Int, label: String, href: (Int) -> String) -> HTML {
        guard count > 1 else { return .empty }
        let links: [HTML] = (1...count).map { index in
            index == page
                ? "<span aria-current=\"page\">\(String(index))</span>"
                : "<a href=\"\(href(index))\">\(String(index))</a>"
        }
        return "<nav class=\"pager\" aria-label=\"\(label)\">\(HTML.join(links, separator: " "))</nav>"
    }
}

/// A contract in a choice of contracts (filters, forms).
struct ContractOption: Sendable, Equatable {
    var number: String
    var name: String
}
