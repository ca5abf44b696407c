import Foundation
import PortalDomain

/// A deterministic generator of billing data that looks like a real supplier's (BIL-2): companies with valid
/// ИНН/ОГРН and bank accounts, energy objects, meters of every kind, a year of readings, invoices, payments,
/// advances and documents. Contract `i` depends only on `i`, the open period and today, so any number of
/// contracts can be made in slices without holding them all.
struct DemoBilling: Sendable {
    /// The period readings are being collected for now; everything before it is closed.
    let openPeriod: BillingPeriod
    /// Today as billing writes days (`2026-12-07`): nothing is issued or paid after it.
    let today: String
    /// How many closed months of history each contract gets.
    var months = 12

    typealias Records = [String: [JSONValue]]

    /// The records of contract `index`, by entity path.
    func contract(_ index: Int) -> Records {
        var rng = SplitMix64(seed: UInt64(index) &* 0x9E37_79B9_7F4A_7C15 &+ 0x1234_5678)
        var out: Records = [:]
        func add(_ entity: BillingEntity, _ record: [String: JSONValue]) {
            out[entity.path, default: []].append(.object(record))
        }
        let id = "c\(index + 1)"
        let category = PriceCategory(rawValue: index % 6 + 1)!
        let company = Self.company(index, &rng)
        let region = Self.regions[index % Self.regions.count]
        let inn = Self.inn(region: region.code, &rng)
        let bank = Self.banks[rng.int(Self.banks.count)]
        let branch = Self.branches[index % Self.branches.count]
        let curator = Self.people[rng.int(Self.people.count)]
        let signed = BillingPeriod(year: 2012 + rng.int(13), month: 1 + rng.int(12))!
        let emails: [JSONValue] = [
            .string("info@\(company.slug).example"), .string("energo@\(company.slug).example"),
            .string("buh@\(company.slug).example"),
        ]
        add(
            .contracts,
            [
                "id": .string(id), "number": .string(Self.number(index)),
                "name": .string("Договор энергоснабжения № \(Self.number(index))"),
                "customerFullName": .string(company.full), "customerShortName": .string(company.short),
                "inn": .string(inn), "kpp": .string(String(inn.prefix(4)) + "01001"),
                "ogrn": .string(Self.ogrn(region: region.code, &rng)),
                "legalAddress": .string(Self.address(region, &rng)),
                "postalAddress": .string(Self.address(region, &rng)),
                "customerPhone": .string(Self.phone(region.phoneCode, &rng)),
                "priceCategory": .number(Double(category.rawValue)),
                "contractDate": .string(Self.isoDate(signed.year, signed.month, 1 + rng.int(28))),
                "emails": .array(emails),
                "customerBankName": .string(bank.name), "customerBik": .string(bank.bik),
                "customerAccount": .string(Self.settlementAccount(bik: bank.bik, &rng)),
                "customerCorrAccount": .string(bank.corr),
                "supplierName": .string(Self.supplier.name), "supplierInn": .string(Self.supplier.inn),
                "supplierKpp": .string(Self.supplier.kpp), "supplierBankName": .string(Self.supplier.bankName),
                "supplierBik": .string(Self.supplier.bik), "supplierAccount": .string(Self.supplier.account),
                "supplierCorrAccount": .string(Self.supplier.corr),
                "branchName": .string(branch.name), "branchHead": .string(branch.head),
                "branchPhone": .string(branch.phone), "branchAddress": .string(branch.address),
                "curatorName": .string(curator.name), "curatorPhone": .string(Self.phone("343", &rng)),
                "curatorEmail": .string("\(curator.login)@energosbyt.example"),
            ])

        // Energy objects and meters. Contract 100 (in data sets that big) is a large consumer with 500 meters.
        let objectCount = index == 99 ? 50 : 1 + index % 3
        var monthlyTotal = 0.0  // kWh a month over the contract, for the invoices
        for o in 1...objectCount {
            let objectID = "\(id)-o\(o)"
            let site = Self.sites[rng.int(Self.sites.count)]
            let objectStatus: ReadingStatus = rng.int(10) < 8 ? .waiting : (rng.int(2) == 0 ? .submitted : .accepted)
            add(
                .energyObjects,
                [
                    "id": .string(objectID), "contractId": .string(id),
                    "code": .string(BillingPeriod.padded(index * 60 + o, 6)),
                    "name": .string(site), "address": .string(Self.address(region, &rng)),
                    "status": .string(objectStatus.rawValue),
                ])
            let meterCount = index == 99 ? 10 : 1 + (index + o) % 2
            for m in 1...meterCount {
                let meterID = "\(objectID)-m\(m)"
                let model = Self.meterModels[rng.int(Self.meterModels.count)]
                let ratio = [1, 1, 30, 40, 60, 80, 120, 200][rng.int(8)]
                let digits = ratio == 1 ? 6 : 8
                let channels = Self.channels(category: category, variant: index + o + m)
                add(
                    .meters,
                    [
                        "id": .string(meterID), "energyObjectId": .string(objectID),
                        "number": .string(
                            BillingPeriod.padded(10_000_000 + (index * 1013 + o * 37 + m) % 89_999_999, 8)),
                        "model": .string(model), "complexName": .string("ИК \(site), ввод \(m)"),
                        "digits": .number(Double(digits)), "ratio": .number(Double(ratio)),
                        "verifiedOn": .string(
                            Self.isoDate(2019 + rng.int(7), 1 + rng.int(12), 1 + rng.int(28))),
                        "hourly": .bool(category.needsHourlyProfile),
                        "status": .string(
                            objectStatus == .waiting ? ReadingStatus.waiting.rawValue : objectStatus.rawValue),
                    ])
                for (c, channel) in channels.enumerated() {
                    let channelID = "\(meterID)-k\(c + 1)"
                    add(
                        .meterChannels,
                        [
                            "id": .string(channelID), "meterId": .string(meterID),
                            "quantity": .string(channel.0.rawValue), "zone": .string(channel.1.rawValue),
                        ])
                    // A register that turns slowly enough not to roll over in the history shown.
                    let perMonth = Double(200 + rng.int(2000)) / Double(ratio) / Double(channels.count)
                    if channel.0 == .activeImport { monthlyTotal += perMonth * Double(ratio) }
                    var value = Double(rng.int(Int(pow(10, Double(digits - 1)))))
                    var period = openPeriod
                    for _ in 0..<months { period = period.previous }
                    for _ in 0..<months {
                        value += perMonth * (0.8 + 0.4 * rng.unit())
                        add(
                            .readings,
                            [
                                "id": .string("\(channelID)-\(period)"), "channelId": .string(channelID),
                                "period": .string(period.description),
                                "value": .string(ReadingValue.text(Int64((value * 1000).rounded()))),
                                "readOn": .string(Self.firstDay(period.next)),
                            ])
                        period = period.next
                    }
                }
            }
        }

        // A year of invoices and the payments for them; the last ones may still be owed.
        let tariff = Double(SampleTariffs.kopecksPerKWh(category, .allDay)) / 100  // ₽ per kWh, incl. VAT
        let debtor = rng.int(3) == 0
        let oldDebt = rng.int(10) == 0
        var period = openPeriod
        for _ in 0..<months { period = period.previous }
        for month in 0..<months {
            let last = month == months - 1
            let kinds =
                [("Электроэнергия", 1.0)] + (category == .fourth || category == .sixth ? [("Мощность", 0.35)] : [])
            var charged: [(kind: String, amount: Int64)] = []
            for (k, kind) in kinds.enumerated() {
                let amount = Int64((monthlyTotal * tariff * kind.1 * (0.85 + 0.3 * rng.unit()) * 100).rounded())
                charged.append((kind.0, amount))
                let docID = "\(id)-inv-\(period)-\(k + 1)"
                let unpaid = (last && debtor) || (month == months - 3 && oldDebt)
                let partial = unpaid && rng.int(2) == 0
                let outstanding = unpaid ? (partial ? amount / 2 : amount) : 0
                add(
                    .paymentDocuments,
                    [
                        "id": .string(docID), "contractId": .string(id),
                        "number": .string("\(BillingPeriod.padded(period.month, 2))-\(index + 1)/\(k + 1)"),
                        "saleKind": .string(kind.0), "issuedOn": .string(notAfterToday(Self.day(period.next, 5))),
                        "dueOn": .string(Self.day(period.next, 18)), "amountKopecks": .number(Double(amount)),
                        "outstandingKopecks": .number(Double(outstanding)),
                    ])
                if outstanding < amount {
                    add(
                        .payments,
                        [
                            "id": .string("\(docID)-pay"), "contractId": .string(id),
                            "paidOn": .string(notAfterToday(Self.day(period.next, 10 + rng.int(8)))),
                            "amountKopecks": .number(Double(amount - outstanding)), "paymentDocumentId": .string(docID),
                            "purpose": .string(
                                "Оплата по счету \(BillingPeriod.padded(period.month, 2))-\(index + 1)/\(k + 1)"),
                        ])
                }
            }
            for type in DocumentType.allCases where type != .acceptanceStatement || category.needsHourlyProfile {
                add(
                    .documents,
                    [
                        "id": .string("\(id)-\(type.rawValue)-\(period)"), "contractId": .string(id),
                        "type": .string(type.rawValue),
                        "number": .string("\(Self.documentPrefix(type))-\(index + 1)/\(period.month)"),
                        "issuedOn": .string(notAfterToday(Self.day(period.next, 5))),
                        "period": .string(period.description),
                    ])
                let rate = SampleTariffs.vatRate(period)
                for (position, line) in charged.enumerated() {
                    let split = SampleTariffs.splitVAT(line.amount, rate: rate)
                    let energy = line.kind == "Электроэнергия"
                    // Energy in kWh at the tariff; capacity in kW as the month's average load.
                    let quantity =
                        energy
                        ? Int64((Double(line.amount) / tariff / 100 * 1000).rounded())
                        : Int64(monthlyTotal / 720 * 1000)
                    add(
                        .documentLines,
                        [
                            "id": .string("\(id)-\(type.rawValue)-\(period)-\(position + 1)"),
                            "documentId": .string("\(id)-\(type.rawValue)-\(period)"),
                            "position": .number(Double(position + 1)),
                            "description": .string(energy ? "Электрическая энергия" : "Электрическая мощность"),
                            "unit": .string(energy ? "кВт·ч" : "кВт"),
                            "quantity": .string(ReadingValue.text(quantity)),
                            "amountKopecks": .number(Double(split.net)), "vatRate": .number(Double(rate)),
                            "vatKopecks": .number(Double(split.vat)),
                        ])
                }
            }
            period = period.next
        }
        // Advances for the open month (30 % by the 10th), and now and then an overpayment.
        if rng.int(2) == 0 {
            add(
                .advances,
                [
                    "id": .string("\(id)-adv-\(openPeriod)"), "contractId": .string(id), "saleKind": "Электроэнергия",
                    "period": .string(openPeriod.description),
                    "amountKopecks": .number((monthlyTotal * tariff * 30).rounded()), "overpayment": false,
                ])
        }
        if rng.int(5) == 0 {
            add(
                .advances,
                [
                    "id": .string("\(id)-over"), "contractId": .string(id), "saleKind": "Электроэнергия",
                    "period": .string(openPeriod.previous.description),
                    "amountKopecks": .number(Double(10_000 + rng.int(5_000_000))), "overpayment": true,
                ])
        }
        return out
    }

    // MARK: - Identifiers

    static func number(_ index: Int) -> String { "740701" + BillingPeriod.padded(index + 1, 8) }

    static func inn(region: String, _ rng: inout SplitMix64) -> String {
        let body = region + BillingPeriod.padded(1 + rng.int(99), 2) + BillingPeriod.padded(rng.int(100_000), 5)
        let digits = body.compactMap(\.wholeNumberValue)
        let weights = [2, 4, 10, 3, 5, 9, 4, 6, 8]
        let check = zip(weights, digits).reduce(0) { $0 + $1.0 * $1.1 } % 11 % 10
        return body + String(check)
    }

    static func ogrn(region: String, _ rng: inout SplitMix64) -> String {
        let body =
            "1" + BillingPeriod.padded(2 + rng.int(24), 2) + region + BillingPeriod.padded(rng.int(10_000_000), 7)
        var remainder = 0
        for digit in body.compactMap(\.wholeNumberValue) { remainder = (remainder * 10 + digit) % 11 }
        return body + String(remainder % 10)
    }

    static func settlementAccount(bik: String, _ rng: inout SplitMix64) -> String {
        let raw = "40702810" + "0" + BillingPeriod.padded(rng.int(99_999_999_999), 11)
        return TaxIdentifiers.withControlDigit(raw, prefix: Array(bik.suffix(3)))
    }

    static func phone(_ code: String, _ rng: inout SplitMix64) -> String {
        "+7 (\(code)) \(100 + rng.int(900))-\(BillingPeriod.padded(rng.int(100), 2))-\(BillingPeriod.padded(rng.int(100), 2))"
    }

    /// `day`, or today when it is later (days compare as text in billing's `YYYY-MM-DD`).
    func notAfterToday(_ day: String) -> String { min(day, today) }

    static func firstDay(_ period: BillingPeriod) -> String { day(period, 1) }
    static func day(_ period: BillingPeriod, _ day: Int) -> String {
        isoDate(period.year, period.month, min(day, period.dayCount))
    }

    static func isoDate(_ year: Int, _ month: Int, _ day: Int) -> String {
        BillingPeriod.padded(year, 4) + "-" + BillingPeriod.padded(month, 2) + "-" + BillingPeriod.padded(day, 2)
    }

    static func documentPrefix(_ type: DocumentType) -> String {
        switch type {
        case .acceptanceAct: "АП"
        case .acceptanceStatement: "ВП"
        case .invoiceFacture: "СФ"
        case .paymentInvoice: "СО"
        }
    }

    /// Channels of a meter by the contract's price category: one zone for I, day/night or three zones for II,
    /// hourly A+ for III–VI with, now and then, generation (A-) and reactive energy (R+, R-).
    static func channels(category: PriceCategory, variant: Int) -> [(Quantity, Zone)] {
        switch category {
        case .first: return [(.activeImport, .allDay)]
        case .second:
            return variant % 2 == 0
                ? [(.activeImport, .day), (.activeImport, .night)]
                : [(.activeImport, .peak), (.activeImport, .halfPeak), (.activeImport, .night)]
        default:
            switch variant % 4 {
            case 0: return [(.activeImport, .allDay), (.reactiveImport, .allDay)]
            case 1:
                return [
                    (.activeImport, .allDay), (.activeExport, .allDay), (.reactiveImport, .allDay),
                    (.reactiveExport, .allDay),
                ]
            default: return [(.activeImport, .allDay)]
            }
        }
    }

    // MARK: - Names

    struct Company {
        let full: String
        let short: String
        let slug: String
    }

    static func company(_ index: Int, _ rng: inout SplitMix64) -> Company {
        let a = adjectives[index % adjectives.count]
        let n = nouns[(index / adjectives.count) % nouns.count]
        let series = index / (adjectives.count * nouns.count)
        let name = "\(a.0) \(n.0)" + (series > 0 ? " \(series + 1)" : "")
        let slug = "\(a.1)-\(n.1)" + (series > 0 ? "-\(series + 1)" : "")
        let form = forms[(index / 7) % forms.count]
        return Company(full: "\(form.0) «\(name)»", short: "\(form.1) «\(name)»", slug: slug)
    }

    static let forms = [
        ("Общество с ограниченной ответственностью", "ООО"), ("Акционерное общество", "АО"),
        ("Общество с ограниченной ответственностью", "ООО"), ("Публичное акционерное общество", "ПАО"),
        ("Общество с ограниченной ответственностью", "ООО"),
    ]
    static let adjectives = [
        ("Уральский", "uralsky"), ("Северный", "severny"), ("Исетский", "isetsky"), ("Камский", "kamsky"),
        ("Верхнепышминский", "vpyshma"), ("Заречный", "zarechny"), ("Горный", "gorny"), ("Сосновый", "sosnovy"),
        ("Промышленный", "prom"), ("Городской", "gorodskoy"), ("Малахитовый", "malahit"), ("Таватуйский", "tavatuy"),
        ("Чусовской", "chusovskoy"), ("Белоярский", "beloyarsky"), ("Режевской", "rezh"), ("Полевской", "polevskoy"),
        ("Сысертский", "sysert"), ("Ирбитский", "irbit"), ("Невьянский", "nevyansk"), ("Березовский", "berezovsky"),
    ]
    static let nouns = [
        ("хлебокомбинат", "hleb"), ("молочный завод", "moloko"), ("механический завод", "meh"),
        ("торговый дом", "td"), ("логистический центр", "logistic"), ("деревообрабатывающий комбинат", "derevo"),
        ("завод металлоконструкций", "metall"), ("тепличный комбинат", "teplica"), ("автокомбинат", "avto"),
        ("строительный трест", "stroy"), ("бизнес-центр", "bc"), ("литейный завод", "lit"),
        ("кирпичный завод", "kirpich"), ("мясокомбинат", "myaso"), ("водоканал", "vodokanal"),
        ("текстильная фабрика", "textile"), ("складской комплекс", "sklad"), ("агрохолдинг", "agro"),
        ("кондитерская фабрика", "konditer"), ("завод упаковки", "upakovka"), ("гостиничный комплекс", "hotel"),
        ("медицинский центр", "med"), ("птицефабрика", "ptica"), ("пивоваренный завод", "pivo"),
        ("завод стройматериалов", "strojmat"),
    ]
    static let sites = [
        "Производственный цех № 1", "Производственный цех № 2", "Административное здание", "Склад готовой продукции",
        "Котельная", "Насосная станция", "Гараж", "Магазин", "Офис продаж", "Ремонтно-механический участок",
        "Холодильный склад", "Компрессорная", "Столовая", "Трансформаторная подстанция ТП-14", "Лаборатория",
    ]
    static let meterModels = [
        "Меркурий 230 ART-03", "Меркурий 234 ARTM-00 PB.G", "СЭТ-4ТМ.03М.01", "ПСЧ-4ТМ.05МК.16",
        "Энергомера CE308 S31", "Милур 307.52", "Нева МТ 314",
    ]

    struct Region {
        let code: String
        let city: String
        let phoneCode: String
        let postcode: Int
    }

    static let regions = [
        Region(code: "66", city: "г. Екатеринбург", phoneCode: "343", postcode: 620_000),
        Region(code: "66", city: "г. Нижний Тагил", phoneCode: "3435", postcode: 622_000),
        Region(code: "66", city: "г. Каменск-Уральский", phoneCode: "3439", postcode: 623_400),
        Region(code: "66", city: "г. Первоуральск", phoneCode: "3439", postcode: 623_100),
        Region(code: "74", city: "г. Челябинск", phoneCode: "351", postcode: 454_000),
        Region(code: "59", city: "г. Пермь", phoneCode: "342", postcode: 614_000),
        Region(code: "72", city: "г. Тюмень", phoneCode: "3452", postcode: 625_000),
    ]
    static let streets = [
        "ул. Ленина", "ул. Мира", "пр-т Космонавтов", "ул. Малышева", "ул. Фронтовых Бригад", "ул. Промышленная",
        "ул. Заводская", "ул. Строителей", "ул. Луначарского", "Сибирский тракт", "ул. Машиностроителей",
        "ул. Титова", "ул. Чкалова", "ул. Садовая", "ул. Энергетиков",
    ]

    static func address(_ region: Region, _ rng: inout SplitMix64) -> String {
        let street = streets[rng.int(streets.count)]
        let house = 1 + rng.int(180)
        let building = rng.int(4) == 0 ? ", стр. \(1 + rng.int(5))" : ""
        return "\(region.postcode + rng.int(99)), \(region.city), \(street), д. \(house)\(building)"
    }

    struct Bank {
        let name: String
        let bik: String
        let corr: String
    }

    /// Fictional banks with БИК and correspondent accounts that pass the Bank of Russia's check.
    static let banks: [Bank] = [
        ("АО «Банк Исеть-Кредит»", "046577101"), ("ПАО «Уралпромбанк»", "047501202"),
        ("АО «Камабанк»", "045773303"), ("ООО «Тюменьинвестбанк»", "047102404"),
    ].map { name, bik in
        let chars = Array(bik)
        let corr = TaxIdentifiers.withControlDigit(
            "30101810000000000" + String(bik.suffix(3)), prefix: ["0", chars[4], chars[5]])
        return Bank(name: name, bik: bik, corr: corr)
    }

    struct Supplier {
        let name: String
        let inn: String
        let kpp: String
        let bankName: String
        let bik: String
        let account: String
        let corr: String
    }

    static let supplier: Supplier = {
        let bank = banks[0]
        var rng = SplitMix64(seed: 7)
        return Supplier(
            name: "АО «Энергосбытовая компания „Исеть“»", inn: inn(region: "66", &rng), kpp: "667001001",
            bankName: bank.name, bik: bank.bik, account: settlementAccount(bik: bank.bik, &rng), corr: bank.corr)
    }()

    struct Branch {
        let name: String
        let head: String
        let phone: String
        let address: String
    }

    static let branches = [
        Branch(
            name: "Екатеринбургское отделение", head: "Сафронов Игорь Валентинович", phone: "+7 (343) 215-40-10",
            address: "620014, г. Екатеринбург, ул. Малышева, д. 33"),
        Branch(
            name: "Западное отделение", head: "Кудрявцева Наталья Олеговна", phone: "+7 (3439) 64-20-11",
            address: "623100, г. Первоуральск, ул. Ленина, д. 12"),
        Branch(
            name: "Северное отделение", head: "Бочкарев Алексей Юрьевич", phone: "+7 (3435) 41-77-02",
            address: "622001, г. Нижний Тагил, пр-т Ленина, д. 61"),
        Branch(
            name: "Южное отделение", head: "Гилёва Марина Сергеевна", phone: "+7 (3439) 32-05-18",
            address: "623400, г. Каменск-Уральский, ул. Кирова, д. 5"),
    ]

    static let people: [(name: String, login: String)] = [
        ("Лаптева Светлана Игоревна", "s.lapteva"), ("Хайруллин Ринат Маратович", "r.hairullin"),
        ("Мельникова Ольга Петровна", "o.melnikova"), ("Зуев Дмитрий Андреевич", "d.zuev"),
        ("Ковалёва Анна Викторовна", "a.kovaleva"), ("Шарипов Тимур Ильдарович", "t.sharipov"),
    ]
}

/// A small, fast, seedable generator, so the demo data are the same on every machine.
struct SplitMix64: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 0..<bound
    mutating func int(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }

    /// [0, 1)
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
