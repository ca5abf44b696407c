import Markup
import Testing

@Suite struct HTMLTests {
    @Test func escapesTextInContent() {
        let user = "<script>alert('x')</script> & \"Ромашка\""
        let page: HTML = "<p>\(user)</p>"
        #expect(
            page.rendered
                == "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Ромашка&quot;</p>")
    }

    @Test func escapesAttributeValues() {
        let value = "\" onmouseover=\"alert(1)"
        let input: HTML = "<input\(attr: "value", value)>"
        #expect(input.rendered == "<input value=\"&quot; onmouseover=&quot;alert(1)\">")
        #expect(!input.rendered.contains("\" onmouseover"))
    }

    @Test func queryValuesArePercentEncoded() {
        #expect(URLQuery.component("PD-1_a.b~c") == "PD-1_a.b~c")
        #expect(URLQuery.component("Склад 25") == "%D0%A1%D0%BA%D0%BB%D0%B0%D0%B4%2025")
        #expect(URLQuery.component("a&b=c#d?e/f+g%") == "a%26b%3Dc%23d%3Fe%2Ff%2Bg%25")
        #expect(URLQuery.component("") == "")
    }

    @Test func aFormFieldIsFoundAndDecoded() {
        func value(_ name: String, _ form: String) -> String? { URLQuery.formValue(named: name, in: Array(form.utf8)) }
        #expect(value("_csrf", "a=1&_csrf=abc-_DEF&b=2") == "abc-_DEF")
        #expect(value("_csrf", "_csrf=first&_csrf=second") == "first")
        #expect(value("_csrf", "%5Fcsrf=x%2By+z") == "x+y z")
        #expect(value("q", "q=%D0%A1%D0%BA%D0%BB%D0%B0%D0%B4") == "Склад")
        #expect(value("_csrf", "a=1&&_csrf&b") == nil)
        #expect(value("_csrf", "a=1&_csrf=&b") == "")
        #expect(value("_csrf", "a=1&x_csrf=2&_csrfx=3") == nil)
        #expect(value("_csrf", "") == nil)
        // A broken escape or bytes that are not UTF-8 give no value rather than a wrong one.
        #expect(value("_csrf", "_csrf=ab%2") == nil)
        #expect(value("_csrf", "_csrf=ab%zz") == nil)
        #expect(value("_csrf", "_csrf=%FF") == nil)
        // Nor does a NUL, escaped or not, which PostgreSQL refuses in any text.
        #expect(value("chart", "chart=%00") == nil)
        #expect(value("chart", "chart=a%00b") == nil)
        #expect(URLQuery.formValue(named: "chart", in: [UInt8]("chart=a".utf8) + [0] + [UInt8]("b".utf8)) == nil)
        #expect(value("chart", "chart=%01") == "\u{1}")
        #expect(URLQuery.decoded(Array(URLQuery.component("a&b=c#d?e/f+g% ё").utf8)) == "a&b=c#d?e/f+g% ё")
    }

    @Test func theLastOfRepeatedFieldsIsReadWhenAsked() {
        func last(_ name: String, _ query: String) -> String? {
            URLQuery.formValue(named: name, in: query.utf8, occurrence: .last)
        }
        #expect(last("page", "page=1&contract=7&page=3") == "3")
        #expect(last("contract", "page=1&contract=7&page=3") == "7")
        #expect(last("q", "q=%D0%90+%D0%91") == "А Б")
        #expect(last("page", "pages=2&xpage=3") == nil)
        // The last one is the one read, even when it is broken and an earlier one is not.
        #expect(last("q", "q=ok&q=%zz") == nil)
        #expect(URLQuery.formValue(named: "q", in: "q=ok&q=%zz".utf8) == "ok")
    }

    @Test func aWholeFormIsDecodedOnceTheLastOfRepeatedFieldsWinning() {
        func fields(_ form: String) -> [String: String]? { URLQuery.fields(in: Array(form.utf8)) }
        #expect(
            fields("contract=74070100000001&v_6131=12%2C5&q=%D0%A2%D0%9F+14&flag&contract=2")
                == nil)
        #expect(
            fields("contract=74070100000001&v_6131=12%2C5&q=%D0%A2%D0%9F+14&empty=&contract=2")
                == ["contract": "2", "v_6131": "12,5", "q": "ТП 14", "empty": ""])
        #expect(fields("") == [:])
        #expect(fields("a=1&&b=2") == ["a": "1", "b": "2"])
        #expect(fields("%5Fcsrf=x") == ["_csrf": "x"])
        // One broken name or value, or a field without `=`, and the form is refused whole rather than read in
        // part (as Vapor's decoder refuses it).
        #expect(fields("a=1&b=%2") == nil)
        #expect(fields("a=1&%zz=2") == nil)
        #expect(fields("a=%FF") == nil)
        #expect(fields("a=1&b=%00") == nil)
    }

    @Test func markupIsKeptAsUTF8Bytes() {
        let name = "ООО «Ромашка» & сыновья"
        let html: HTML = "<td>\(name)</td>"
        #expect(html.bytes == Array("<td>ООО «Ромашка» &amp; сыновья</td>".utf8))
        #expect(HTML.escape("ё<ж>\"'&") == "ё&lt;ж&gt;&quot;&#39;&amp;")
        var page = HTML(trusted: "<p>")
        page.append("\(1_000)</p>")
        #expect(page.rendered == "<p>1000</p>")
    }

    @Test func leavesTrustedMarkupAlone() {
        let inner: HTML = "<b>жирный</b>"
        let outer: HTML = "<p>\(inner)</p>"
        #expect(outer.rendered == "<p><b>жирный</b></p>")
    }

    @Test func optionalAndRepeatedParts() {
        let none: String? = nil
        let rows = ["a<", "b&"]
        let list: HTML = "<ul>\(each: rows, { "<li>\($0)</li>" })</ul>\(none)\(attr: "x", nil)\(flag: "checked", false)"
        #expect(list.rendered == "<ul><li>a&lt;</li><li>b&amp;</li></ul>")
        let checked: HTML = "<input\(flag: "checked", true)>"
        #expect(checked.rendered == "<input checked>")
    }

    @Test func repeatedPartsWrittenInPlaceLandWhereTheyStand() {
        let rows = ["a<", "b&", ""]
        let list: HTML = "<ul>\(each: rows, appending: { row, out in out.append("<li>\(row)</li>") })</ul><p>\("x")</p>"
        #expect(list.rendered == "<ul><li>a&lt;</li><li>b&amp;</li><li></li></ul><p>x</p>")
        // Nothing to repeat leaves the text around it as it is.
        let empty: HTML = "<ul>\(each: [String](), appending: { row, out in out.append("<li>\(row)</li>") })</ul>"
        #expect(empty.rendered == "<ul></ul>")
    }

    @Test func numbersAreInterpolatedAsText() {
        let count = 42
        let html: HTML = "<span>\(count)</span>"
        #expect(html.rendered == "<span>42</span>")
    }

    @Test func joinUsesSeparator() {
        let joined = HTML.join(["<i>1</i>", "<i>2</i>"], separator: ", ")
        #expect(joined.rendered == "<i>1</i>, <i>2</i>")
        #expect(HTML.when(false) { "<b>x</b>" }.isEmpty)
    }
}
