import Documents
import Foundation
import PortalDomain

// Times the portal's documents: a one-page счет на оплату, a счет-фактура and a 20-page акт сверки.
// Usage: pdf-bench [--write DIR]
let arguments = CommandLine.arguments
let folder = arguments.firstIndex(of: "--write").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }

func measure(_ name: String, runs: Int, _ make: () -> Data) {
    var best = Double.infinity
    var total = 0.0
    var data = Data()
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        data = make()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        best = min(best, elapsed)
        total += elapsed
    }
    let mean = total / Double(runs)
    print("| \(name) | \(String(format: "%.1f", best)) | \(String(format: "%.1f", mean)) | \(data.count / 1024) |")
    if let folder {
        try? data.write(to: URL(fileURLWithPath: folder).appendingPathComponent("\(name).pdf"))
    }
}

print("| Документ | лучшее, мс | среднее, мс | размер, КБ |")
print("|---|---|---|---|")
measure("invoice", runs: 50) { DocumentPDF.render(BillingDocument.sample(.paymentInvoice)) }
measure("invoice-facture", runs: 50) { DocumentPDF.render(BillingDocument.sample(.invoiceFacture)) }
measure("acceptance-act", runs: 20) { DocumentPDF.render(BillingDocument.sample(.acceptanceAct)) }
measure("acceptance-statement", runs: 20) { DocumentPDF.render(BillingDocument.sample(.acceptanceStatement)) }
measure("reconciliation-20-pages", runs: 10) { DocumentPDF.render(ReconciliationAct.sample(months: 420)) }
