import Markup
import PortalDomain

/// «Загрузить файлом» (manual §5.2, figure 13): the contract chosen by typing part of its number or name,
/// «Интегральные по договору», the template, the file, «Передать показания».
struct ReadingsUploadPage: Sendable {
    var context: ShellContext
    var csrf: String
    var contracts: [ReadingsData.ContractChoice]
    var contract: String
    var errors = FormErrors()
    /// Meters stored from the last upload, and what was refused, by row.
    var accepted: Int?
    var problems: [String] = []

    func render() -> HTML {
        Layout.page(
            title: "Загрузка показаний файлом", context: context,
            content: """
                <p class="breadcrumbs"><a href="\(SitePath.readings.path)\(contract.isEmpty ? "" : "?contract=\(contract)")">Показания</a></p>
                <h1>Загрузка показаний файлом</h1>
                \(result)
                <form class="upload-form" method="post" action="\(SitePath.readingsUpload.path)" enctype="multipart/form-data" novalidate data-upload>
                \(Forms.csrf(csrf))
                <div class="field\(errors["contract"] == nil ? "" : " field-invalid")">
                <label for="f-contract">Договор</label>
                <input id="f-contract" name="contract" list="contract-list" value="\(contract)" autocomplete="off" placeholder="Номер или наименование договора"\(attr: "aria-describedby", errors["contract"] == nil ? nil : "f-contract-error")>
                <datalist id="contract-list">\(each: contracts, option)</datalist>
                \(errors["contract"].map { message -> HTML in "<p class=\"field-error\" id=\"f-contract-error\">\(message)</p>" })
                </div>
                <fieldset class="field">
                <legend>Тип показаний</legend>
                <label class="radio"><input type="radio" name="kind" value="integral" checked> Интегральные по договору</label>
                </fieldset>
                <p><a class="button button-secondary" href="\(SitePath.readingsTemplate.path)?contract=\(contract)" data-template>Шаблон интегральных показаний</a></p>
                <p class="hint">В шаблоне заполните столбец «Текущие показания» (и «Переход через ноль», если счетчик перешел через ноль), сохраните файл и загрузите его. Файл — книга Excel .xlsx не больше 20 МБ.</p>
                <div class="field\(errors["file"] == nil ? "" : " field-invalid")">
                <label for="f-file">Загрузите файл</label>
                <div class="file-row"><input id="f-file" name="file" type="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"\(attr: "aria-describedby", errors["file"] == nil ? nil : "f-file-error")>
                <button class="icon-button" type="button" data-clear-file hidden title="Корзина" aria-label="Корзина: убрать файл">\(Icons.trash)</button></div>
                \(errors["file"].map { message -> HTML in "<p class=\"field-error\" id=\"f-file-error\">\(message)</p>" })
                </div>
                <div class="page-actions"><button class="button" type="submit">Передать показания</button></div>
                </form>
                """)
    }

    func option(_ contract: ReadingsData.ContractChoice) -> HTML {
        "<option value=\"\(contract.number)\">\(contract.number) — \(contract.name)</option>"
    }

    var result: HTML {
        guard let accepted else { return .empty }
        let saved: HTML =
            accepted > 0
            ? "<div class=\"alert alert-info\" role=\"status\">\(ReadingsPage.savedMessage): приборов учета — \(String(accepted)).</div>"
            : .empty
        guard !problems.isEmpty else { return saved }
        return """
            \(saved)
            <section class="alert alert-error" role="alert">
            <h2>Не переданы</h2>
            <ul class="upload-problems">\(each: problems, problem)</ul>
            </section>
            """
    }

    func problem(_ text: String) -> HTML { "<li>\(text)</li>" }
}
