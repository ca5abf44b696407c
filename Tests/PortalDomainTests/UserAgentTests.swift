import PortalDomain
import Testing

@Suite struct UserAgentTests {
    static let cases: [(String, String, String)] = [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Google Chrome 120", "Windows 10/11"
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0", "Mozilla Firefox 121",
            "Windows 10/11"
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
            "Microsoft Edge 120", "Windows 10/11"
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 OPR/105.0.0.0",
            "Opera 105", "Windows 10/11"
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 YaBrowser/23.11.0.0 Safari/537.36",
            "Яндекс Браузер 23", "Windows 10/11"
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
            "Safari 17", "macOS"
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Google Chrome 120", "macOS"
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1",
            "Safari 17", "iOS 17"
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
            "Google Chrome 120", "iOS 17"
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
            "Safari 16", "iPadOS 16"
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/121.0 Mobile/15E148 Safari/605.1.15",
            "Mozilla Firefox 121", "iOS 17"
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
            "Google Chrome 120", "Android 14"
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36 EdgA/116.0.1938.72",
            "Microsoft Edge 116", "Android 13"
        ),
        (
            "Mozilla/5.0 (Linux; Android 12; M2101K6G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/110.0.0.0 YaBrowser/23.1.1.114.00 SA/3 Mobile Safari/537.36",
            "Яндекс Браузер 23", "Android 12"
        ),
        ("Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0", "Mozilla Firefox 121", "Android 14"),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
            "Google Chrome 156", "Linux"
        ),
        (
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0", "Mozilla Firefox 120",
            "Linux"
        ),
        (
            "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36",
            "Google Chrome 109", "Windows 7"
        ),
        (
            "Mozilla/5.0 (Windows NT 6.3; Win64; x64; rv:78.0) Gecko/20100101 Firefox/78.0", "Mozilla Firefox 78",
            "Windows 8.1"
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19045",
            "Microsoft Edge 18", "Windows 10/11"
        ),
        ("Opera/9.80 (Windows NT 6.1; WOW64) Presto/2.12.388 Version/12.18", "Opera 12", "Windows 7"),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Google Chrome 120", "ChromeOS"
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
            "Неизвестный браузер", "Android 13"
        ),
        ("curl/8.4.0", "Неизвестный браузер", "Неизвестная ОС"),
        ("", "Неизвестный браузер", "Неизвестная ОС"),
        ("Mozilla/5.0 Chrome/ Safari/ Version/", "Неизвестный браузер", "Неизвестная ОС"),
    ]

    @Test(arguments: cases)
    func readsBrowserAndSystem(header: String, browser: String, system: String) {
        let agent = UserAgent(parsing: header)
        #expect(agent.browser == browser)
        #expect(agent.operatingSystem == system)
    }

    @Test func nilAndHugeHeadersAreUnknownNotFatal() {
        #expect(
            UserAgent(parsing: nil)
                == UserAgent(browser: UserAgent.unknownBrowser, operatingSystem: UserAgent.unknownSystem))
        let huge = String(repeating: "Chrome/", count: 100_000)
        #expect(UserAgent(parsing: huge).browser == UserAgent.unknownBrowser)
    }
}
