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
        #expect(value("_csrf", "a=1&&_csrf&b") == "")
        #expect(value("_csrf", "a=1&x_csrf=2&_csrfx=3") == nil)
        #expect(value("_csrf", "") == nil)
        // A broken escape or bytes that are not UTF-8 give no value rather than a wrong one.
        #expect(value("_csrf", "_csrf=ab%2") == nil)
        #expect(value("_csrf", "_csrf=ab%zz") == nil)
        #expect(value("_csrf", "_csrf=%FF") == nil)
        #expect(URLQuery.decoded(Array(URLQuery.component("a&b=c#d?e/f+g% ё").utf8)) == "a&b=c#d?e/f+g% ё")
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
