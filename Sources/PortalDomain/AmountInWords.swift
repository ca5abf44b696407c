/// Amounts in Russian words, as documents write their totals: «Одна тысяча двести тридцать четыре рубля
/// 56 копеек».
public enum AmountInWords {
    /// The amount in words, roubles in words and kopecks in figures, starting with a capital letter.
    public static func roubles(_ money: Money) -> String {
        let absolute = money.kopecks.magnitude
        let roubles = absolute / 100
        let kopecks = Int(absolute % 100)
        var text = number(roubles, feminine: false) + " " + plural(roubles, "рубль", "рубля", "рублей")
        text += " " + BillingPeriod.padded(kopecks, 2) + " " + plural(UInt64(kopecks), "копейка", "копейки", "копеек")
        if money.kopecks < 0 { text = "минус " + text }
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    /// A whole number in words; `feminine` for a noun like «копейка» («одна», «две»).
    public static func number(_ value: UInt64, feminine: Bool) -> String {
        if value == 0 { return "ноль" }
        let scales: [(forms: (String, String, String), feminine: Bool)] = [
            (("", "", ""), feminine), (("тысяча", "тысячи", "тысяч"), true),
            (("миллион", "миллиона", "миллионов"), false), (("миллиард", "миллиарда", "миллиардов"), false),
            (("триллион", "триллиона", "триллионов"), false), (("квадриллион", "квадриллиона", "квадриллионов"), false),
            (("квинтиллион", "квинтиллиона", "квинтиллионов"), false),
        ]
        var groups: [UInt64] = []
        var rest = value
        while rest > 0 {
            groups.append(rest % 1000)
            rest /= 1000
        }
        var words: [String] = []
        for index in stride(from: groups.count - 1, through: 0, by: -1) where groups[index] > 0 {
            let scale = scales[index]
            words.append(hundreds(groups[index], feminine: scale.feminine))
            if index > 0 { words.append(plural(groups[index], scale.forms.0, scale.forms.1, scale.forms.2)) }
        }
        return words.joined(separator: " ")
    }

    /// The form of a noun after `value`: 1 рубль, 2 рубля, 5 рублей, 11 рублей, 21 рубль.
    public static func plural(_ value: UInt64, _ one: String, _ few: String, _ many: String) -> String {
        let lastTwo = value % 100
        if (11...14).contains(lastTwo) { return many }
        switch value % 10 {
        case 1: return one
        case 2, 3, 4: return few
        default: return many
        }
    }

    private static let units = [
        "", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять", "десять", "одиннадцать",
        "двенадцать", "тринадцать", "четырнадцать", "пятнадцать", "шестнадцать", "семнадцать", "восемнадцать",
        "девятнадцать",
    ]
    private static let tens = [
        "", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто",
    ]
    private static let hundredWords = [
        "", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот",
    ]

    private static func hundreds(_ value: UInt64, feminine: Bool) -> String {
        var words: [String] = []
        let value = Int(value)
        if value / 100 > 0 { words.append(hundredWords[value / 100]) }
        let rest = value % 100
        if rest >= 20 {
            words.append(tens[rest / 10])
            if rest % 10 > 0 { words.append(unit(rest % 10, feminine: feminine)) }
        } else if rest > 0 {
            words.append(unit(rest, feminine: feminine))
        }
        return words.joined(separator: " ")
    }

    private static func unit(_ value: Int, feminine: Bool) -> String {
        if feminine && value == 1 { return "одна" }
        if feminine && value == 2 { return "две" }
        return units[value]
    }
}
