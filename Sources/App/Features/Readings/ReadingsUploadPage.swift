import Foundation
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
    /// The problems as the page lists them (grouped: `show(_:upload:)`).
    var problems: [String] = []
    /// Where the full list of problems downloads, when the page lists only some of them.
    var problemsLink: String?
    /// Whether the contract's price category sends hourly profiles (III–VI).
    var hourlyContract = false
    /// «Тип показаний».
    enum Kind: String, Sendable, CaseIterable {
        case integral
        case intervalMeter = "interval"
        case intervalContract = "interval-contract"

        var title: String {
            switch self {
            case .integral: "Интегральные по договору"
            case .intervalMeter: "Интервальные по прибору учета"
            case .intervalContract: "Интервальные по договору"
            }
        }
    }
    var kind = Kind.integral
    /// Meters whose sheets of a per-contract file were left empty.
    var skipped: [String] = []
    struct MeterChoice: Sendable {
        let id: String
        let label: String
    }
    struct Act: Sendable {
        let id: String
        let title: String
        let meter: String
        let status: String
        let period: String
        let fileName: String
        let created: String
    }
    var hourlyMeters: [MeterChoice] = []
    var meter = ""
    var periods: [BillingPeriod] = []
    var period: BillingPeriod?
    var acts: [Act] = []
    var nextActTitle = "Первичный акт"
    var intervalSaved: String?

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
                \(each: kinds, kindRadio)
                </fieldset>
                <p class="choose-row" data-choose><button class="button button-secondary" type="submit" name="choose" value="1" formnovalidate>Выбрать</button></p>
                \(kind == .integral ? integralPart : intervalPart)
                <div class="field\(errors["file"] == nil ? "" : " field-invalid")">
                <div class="file-row"><input id="f-file" name="file" type="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"\(attr: "aria-describedby", errors["file"] == nil ? nil : "f-file-error")>
                <label for="f-file" class="button button-secondary file-button">Загрузите файл</label>
                <span class="file-name" data-file-name aria-live="polite"></span>
                <button class="icon-button" type="button" data-clear-file hidden title="Корзина" aria-label="Корзина: убрать файл">\(Icons.trash)</button></div>
                \(errors["file"].map { message -> HTML in "<p class=\"field-error\" id=\"f-file-error\">\(message)</p>" })
                </div>
                <div class="page-actions"><button class="button" type="submit">Передать показания</button></div>
                </form>
                """)
    }

    var integralPart: HTML {
        """
        <p><a class="button button-secondary" href="\(SitePath.readingsTemplate.path)?contract=\(contract)" data-template>Шаблон интегральных показаний</a></p>
        <p class="hint">В шаблоне заполните столбец «Текущие показания» (и «Переход через ноль», если счетчик перешел через ноль), сохраните файл и загрузите его. Файл — книга Excel .xlsx не больше 20 МБ.</p>
        """
    }

    /// Interval kinds are offered for contracts of price categories III–VI only.
    var kinds: [Kind] { hourlyContract || kind != .integral ? Kind.allCases : [.integral] }

    func kindRadio(_ choice: Kind) -> HTML {
        "<label class=\"radio\"><input type=\"radio\" name=\"kind\" value=\"\(choice.rawValue)\"\(flag: "checked", choice == kind) data-kind> \(choice.title)</label>"
    }

    var intervalPart: HTML {
        kind == .intervalContract ? contractIntervalPart : meterIntervalPart
    }

    var periodField: HTML {
        """
        <div class="field\(errors["period"] == nil ? "" : " field-invalid")"><label for="f-period">Месяц</label>
        <select id="f-period" name="period" data-interval-choice>\(each: periods, periodOption)</select>
        \(errors["period"].map { message -> HTML in "<p class=\"field-error\">\(message)</p>" })</div>
        """
    }

    /// «Интервальные по договору» (manual §5.4): one sheet per hourly meter, named by its number.
    var contractIntervalPart: HTML {
        guard !hourlyMeters.isEmpty else {
            return
                "\(periodField)<p class=\"hint\">По договору нет доступных вам приборов учета с почасовым учетом.</p>"
        }
        return """
            \(periodField)
            <p><a class="button button-secondary" href="\(SitePath.intervalTemplate.path)?contract=\(contract)&period=\(period?.description ?? "")">Скачать шаблон</a></p>
            <p class="hint">В шаблоне — лист на каждый прибор учета с почасовым учетом (\(String(hourlyMeters.count)) шт.), назван номером прибора. На каждом листе в столбце A — часы суток от «00-01» до «23-24», в первой строке — даты месяца; укажите расход за час (кВт·ч). Листы приборов, по которым вы не передаете показания, оставьте пустыми. По каждому прибору первый файл за месяц — «Первичный акт», следующие — «Корректировочный акт».</p>
            \(acts.isEmpty ? HTML.empty : actsTable)
            """
    }

    var meterIntervalPart: HTML {
        let templateQuery =
            "?contract=\(contract)&meter=\(URLQuery.component(meter))&period=\(period?.description ?? "")"
        return """
            <div class="field\(errors["meter"] == nil ? "" : " field-invalid")"><label for="f-meter">Энергообъект и прибор учета</label>
            <select id="f-meter" name="meter" data-interval-choice>\(each: hourlyMeters, meterOption)</select>
            \(errors["meter"].map { message -> HTML in "<p class=\"field-error\">\(message)</p>" })</div>
            \(periodField)
            <p><a class="button button-secondary" href="\(SitePath.intervalTemplate.path)\(templateQuery)">Шаблон интервальных показаний</a></p>
            <p class="hint">В столбце A — часы суток от «00-01» до «23-24», в первой строке — даты месяца; на пересечении укажите расход за час (кВт·ч). Дни, которые еще не наступили, оставьте пустыми.</p>
            <p>Вид показаний: <b>\(nextActTitle)</b></p>
            \(acts.isEmpty ? HTML.empty : actsTable)
            """
    }

    func meterOption(_ choice: MeterChoice) -> HTML {
        "<option value=\"\(choice.id)\"\(flag: "selected", choice.id == meter)>\(choice.label)</option>"
    }

    func periodOption(_ choice: BillingPeriod) -> HTML {
        "<option value=\"\(choice.description)\"\(flag: "selected", choice == period)>\(choice.russianName)</option>"
    }

    var actsTable: HTML {
        """
        <table class="table acts"><thead><tr><th>Акт</th><th>ПУ</th><th>Месяц</th><th>Статус</th><th>Файл</th><th>Загружен</th><th></th></tr></thead>
        <tbody>\(each: acts, actRow)</tbody></table>
        """
    }

    func actRow(_ act: Act) -> HTML {
        "<tr><td>\(act.title)</td><td>\(act.meter)</td><td>\(act.period)</td><td>\(act.status)</td><td>\(act.fileName)</td><td>\(act.created)</td><td><a href=\"\(SitePath.intervalAct(act.id).path)\" title=\"Скачать\" aria-label=\"Скачать \(act.title)\">\(Icons.download)</a></td></tr>"
    }

    func option(_ contract: ReadingsData.ContractChoice) -> HTML {
        "<option value=\"\(contract.number)\">\(contract.number) — \(contract.name)</option>"
    }

    var result: HTML {
        if let intervalSaved {
            return
                "<div class=\"alert alert-info\" role=\"status\">\(ReadingsPage.savedMessage): \(intervalSaved), статус «В ожидании».</div>"
        }
        guard let accepted else { return .empty }
        let acts = kind == .intervalContract ? " (акты «В ожидании»)" : ""
        let saved: HTML =
            accepted > 0
            ? "<div class=\"alert alert-info\" role=\"status\">\(ReadingsPage.savedMessage): приборов учета — \(String(accepted))\(acts).\(skippedNote)</div>"
            : .empty
        guard !problems.isEmpty else { return saved }
        return """
            \(saved)
            <section class="alert alert-error" role="alert">
            <h2>Не переданы</h2>
            <ul class="upload-problems">\(each: problems.prefix(Self.problemsShown), problem)</ul>
            \(problems.count > Self.problemsShown ? "<p>И еще \(String(problems.count - Self.problemsShown)) — исправьте показанные и загрузите файл снова.</p>" as HTML : HTML.empty)
            \(problemsLink.map { link -> HTML in "<p><a href=\"\(link)\" download>Скачать полный список замечаний (.xlsx)</a></p>" })
            </section>
            """
    }

    /// Lists `all` grouped (each message once, with where it happens), with a link to the full list when the
    /// grouped lines leave some out.
    mutating func show(_ all: [String], upload: ReadingsUploadController.Upload?) {
        let (lines, abridged) = UploadProblems.group(all)
        problems = lines
        problemsLink = abridged ? upload.map { SitePath.uploadProblems($0.id.uuidString).path } : nil
    }

    /// A file with thousands of bad rows lists the first ones only: the page stays small enough to draw.
    static let problemsShown = 100

    func problem(_ text: String) -> HTML { "<li>\(text)</li>" }

    var skippedNote: HTML {
        skipped.isEmpty ? .empty : " Не заполнены листы приборов учета: \(skipped.joined(separator: ", "))."
    }
}
