import Foundation
import Markup
import PortalDomain

/// «Показания» (manual §5.1, figure 12).
struct ReadingsPage: Sendable {
    static let savedMessage = "Показания сохранены"

    var context: ShellContext
    var csrf: String
    var contracts: [ReadingsData.ContractChoice]
    var filters: ReadingsData.Filters
    var data: ReadingsData?
    var notice: String?
    var typed: [String: String] = [:]
    var rollover: Set<String> = []
    var errors: [String: String] = [:]
    var meterErrors: [String: String] = [:]

    /// One contract's page: an object with a two-zone meter, one zone already sent this period.
    static let mock: ReadingsPage = {
        let contract = ReadingsData.ContractChoice(
            id: "K-1", number: "74070100000001", name: "ООО «Ромашка», склад", priceCategory: 2)
        let meter = ReadingsData.Meter(
            id: "M-1", number: "01234567", complexName: "ИК Цех № 1", ratio: 40, digits: 6, status: .waiting,
            hourly: false,
            channels: [
                ReadingsData.Channel(
                    id: "CH-1", quantity: .activeImport, zone: .day, previous: 12_345_678, previousDate: "2026-11-01",
                    submitted: 12_400_000),
                ReadingsData.Channel(
                    id: "CH-2", quantity: .activeImport, zone: .night, previous: 999_990_000,
                    previousDate: "2026-11-01", submitted: nil),
            ])
        var page = ReadingsPage(
            context: .mock, csrf: "token", contracts: [contract],
            filters: ReadingsData.Filters(contract: contract.number))
        page.data = ReadingsData(
            contract: contract, period: BillingPeriod(year: 2026, month: 11)!,
            objects: [
                ReadingsData.Object(
                    id: "EO-1", code: "000101", name: "Цех № 1", address: "620014, г. Екатеринбург, ул. Ленина, д. 1",
                    status: .waiting, meters: [meter], meterCount: 1)
            ])
        return page
    }()

    func render() -> HTML {
        Layout.page(
            title: "Показания", context: context,
            content: """
                <h1>Показания</h1>
                \(contracts.isEmpty ? noContracts : body)
                """)
    }

    var noContracts: HTML {
        """
        <p class="empty">Нет договоров, по которым вам доступна передача показаний.</p>
        <p><a class="button" href="\(SitePath.contractAdd.path)">Добавить договор</a></p>
        """
    }

    var body: HTML {
        let shown = data?.objects ?? []
        let (page, pageCount) = (data?.page ?? 1, data?.pageCount ?? 1)
        let number = data?.contract.number ?? ""
        return """
            <form class="filters" method="get" action="\(SitePath.readings.path)" data-filters>
            <div class="field"><label for="f-contract">Договор</label>
            <select id="f-contract" name="contract">\(each: contracts, option)</select></div>
            <div class="field"><label for="f-status">Статус показаний</label>
            <select id="f-status" name="status"><option value="">Все</option>\(each: ReadingStatus.allCases, statusOption)</select></div>
            <div class="field"><label for="f-q">Энергообъект</label>
            <input id="f-q" name="q" type="search" value="\(filters.text)" placeholder="Наименование или адрес"></div>
            <button class="button button-secondary" type="submit">Применить</button>
            </form>
            \(Self.statusLegend)
            \(data.map { data -> HTML in "<p class=\"period\">Расчетный период: \(data.period.russianName)</p>" })
            \(Forms.alert(notice, kind: "info"))
            \(errors.isEmpty && meterErrors.isEmpty ? HTML.empty : Forms.alert("Показания не переданы по отмеченным приборам учета"))
            <form method="post" action="\(SitePath.readings.path)" novalidate data-readings data-saved="\(notice == Self.savedMessage ? "1" : "0")" data-below-previous="\(RegisterReading.Problem.belowPrevious.message)">
            \(Forms.csrf(csrf))
            <input type="hidden" name="contract" value="\(number)">
            <input type="hidden" name="status" value="\(filters.status?.rawValue ?? "")">
            <input type="hidden" name="q" value="\(filters.text)">
            <input type="hidden" name="page" value="\(String(page))">
            \(shown.isEmpty ? HTML(trusted: "<p class=\"empty\">Нет энергообъектов, подходящих под фильтр.</p>") : HTML.empty)
            \(each: shown.enumerated(), appending: objectBlock)
            \(pager(page: page, count: pageCount, number: number))
            <div class="page-actions"><a class="button button-secondary" href="\(SitePath.readingsUpload.path)?contract=\(number)">Загрузить файлом</a> <button class="button" type="submit">Передать показания</button></div>
            </form>
            """
    }

    func option(_ contract: ReadingsData.ContractChoice) -> HTML {
        "<option value=\"\(contract.number)\"\(flag: "selected", contract.number == data?.contract.number)>\(contract.number) — \(contract.name)</option>"
    }

    /// What each status means, under the filters.
    static let statusLegend: HTML = """
        <details class="legend"><summary>Что означают статусы показаний</summary><dl>
        <dt>Ожидание</dt><dd>Показания за текущий расчетный период еще не переданы.</dd>
        <dt>Переданы</dt><dd>Показания переданы по всем шкалам; до закрытия периода их можно исправить.</dd>
        <dt>Приняты</dt><dd>Сбытовая компания приняла показания к расчету; изменить их нельзя.</dd>
        <dt>Не требуются</dt><dd>Показания по этому энергообъекту или прибору учета в этом периоде не передаются.</dd>
        </dl></details>
        """

    func statusOption(_ status: ReadingStatus) -> HTML {
        "<option value=\"\(status.rawValue)\"\(flag: "selected", status == filters.status)>\(status.title)</option>"
    }

    func pager(page: Int, count: Int, number: String) -> HTML {
        Pager.html(page: page, count: count, label: "Страницы") {
            SitePath.readings.path + filters.query(contract: number, page: $0)
        }
    }

    func objectBlock(_ item: (offset: Int, element: ReadingsData.Object), into out: inout HTML) {
        let object = item.element
        let hasErrors = object.meters.contains { meter in
            meterErrors[meter.id] != nil || meter.channels.contains { errors[$0.id] != nil }
        }
        let open = hasErrors || item.offset == 0
        out.append(
            """
            <details class="eo"\(flag: "open", open)>
            <summary><span class="eo-code">\(object.code)</span> <span class="eo-name">\(object.name)</span> <span class="eo-address">\(object.address)</span>
            <span class="badge-status">\(object.shownStatus?.title ?? "—")</span>\(object.submitted ? HTML(trusted: " <span class=\"check\" title=\"Показания переданы\" aria-label=\"Показания переданы\">✓</span>") : .empty)</summary>
            <div class="table-scroll"><table class="table readings">
            <thead><tr><th>Номер ПУ</th><th>ИК</th><th>Величина</th><th>Шкала</th><th>Предыдущие показания</th><th>Текущие показания</th><th>Расход по ПУ</th><th>Статус</th></tr></thead>

            """)
        for (index, meter) in object.meters.enumerated() {
            meterRows(meter, at: index, of: object, at: item.offset, into: &out)
        }
        out.append(
            """

            </table></div>
            </details>
            """)
    }

    /// «Расход интервальный» and «Дельта» (integral − interval consumption) of an hourly meter (RD-5).
    func intervalLine(_ meter: ReadingsData.Meter) -> HTML {
        guard meter.activeImport != nil else { return .empty }
        let interval = meter.intervalTotal.map { RegisterReading.formatted($0) } ?? "—"
        let delta: String = {
            guard let integral = meter.integralConsumption, let total = meter.intervalTotal else { return "—" }
            return RegisterReading.formatted(integral - total)
        }()
        return
            "<p class=\"interval-line\">Расход интервальный: <b>\(interval)</b> · Дельта: <b data-delta>\(delta)</b></p>"
    }

    /// A meter's rows in a `<tbody>` of its own, which carries what the page's script needs for all its channels:
    /// the meter (whose «Счетчик перешел через ноль» box is `o_` and the meter's hex), ratio and digits. A
    /// channel's input is `v_` and the channel's hex (what the form sends); its element id is short and only
    /// has to be unique on the page: the object's and the meter's places and the channel's (the
    /// page of 150 channels was 95 KB, not 85, when each input carried these and a 28-character id three
    /// times).
    func meterRows(
        _ meter: ReadingsData.Meter, at meterIndex: Int, of object: ReadingsData.Object, at objectIndex: Int,
        into rows: inout HTML
    ) {
        let open = object.status == .waiting && meter.status == .waiting
        let span = String(meter.channels.count + 1)
        let statusCell: HTML = "<td rowspan=\"\(span)\">\(meter.shownStatus?.title ?? "—")</td>"
        let idPrefix = "r" + String(objectIndex) + "-" + String(meterIndex) + "-"
        let meterHex = ReadingFields.hex(meter.id)
        rows.append(
            "<tbody data-meter=\"\(meterHex)\" data-ratio=\"\(String(meter.ratio))\" data-digits=\"\(String(meter.digits))\">"
        )
        for (index, channel) in meter.channels.enumerated() {
            let name = ReadingFields.value(channel.id)
            let fieldID = idPrefix + String(index)
            let shownValue =
                typed[channel.id]
                ?? channel.submitted.map { RegisterReading.formatted($0, grouped: false) }
            let consumption: String = {
                guard let submitted = channel.submitted, let previous = channel.previous,
                    case .success(let value) = RegisterReading.consumption(
                        previous: previous, current: submitted, ratio: meter.ratio, digits: meter.digits, rollover: true
                    )
                else { return "0" }
                return RegisterReading.formatted(value)
            }()
            let error = errors[channel.id]
            let head: HTML =
                index == 0
                ? "<td rowspan=\"\(span)\">\(meter.number)</td><td rowspan=\"\(span)\">\(meter.complexName)</td>"
                : .empty
            let previous: HTML =
                channel.previous.map { value -> HTML in
                    "\(RegisterReading.formatted(value))\(channel.previousDate.map { date -> HTML in "<small> на \(ContractCard.date(date))</small>" })"
                } ?? "—"
            let quantity = channel.quantity?.title ?? ""
            let zone = channel.zone?.title ?? ""
            rows.append(
                """
                <tr>\(head)<td>\(quantity)</td><td>\(zone)</td><td>\(previous)</td>
                <td\(error == nil ? HTML.empty : " class=\"field-invalid\"")><input id="\(fieldID)" name="\(name)" aria-label="Текущие показания ПУ \(meter.number) \(quantity) \(zone)" inputmode="decimal" autocomplete="off"\(attr: "value", shownValue)\(flag: "disabled", !open) data-previous="\(channel.previous.map { String($0) } ?? "")"\(attr: "aria-invalid", error == nil ? nil : "true")\(attr: "aria-describedby", error == nil ? nil : fieldID + "-error")>\(error.map { message -> HTML in "<p class=\"field-error\" id=\"\(fieldID)-error\">\(message)</p>" })</td>
                <td><output data-consumption-for="\(fieldID)">\(consumption)</output></td>
                \(index == 0 ? statusCell : HTML.empty)</tr>
                """)
        }
        let meterError = meterErrors[meter.id]
        rows.append(
            """
            <tr class="meter-extra"><td colspan="5">\(intervalLine(meter))\(open ? Forms.checkbox(name: ReadingFields.rollover(hex: meterHex), label: "Счетчик перешел через ноль (показания меньше предыдущих)", checked: rollover.contains(meter.id)) : HTML.empty)\(meterError.map { message -> HTML in "<p class=\"field-error\">\(message)</p>" })</td></tr></tbody>
            """)
    }
}
