import PortalDomain
import Testing

@Suite struct PaymentTests {
    func due(_ id: String, _ dueOn: String, _ kopecks: Int64) -> PaymentAllocation.Due {
        .init(documentID: id, dueOn: dueOn, outstanding: Money(kopecks: kopecks))
    }

    @Test func theEarliestDueDateIsPaidFirstAndTheRestIsAnAdvance() {
        let documents = [
            due("B", "2026-11-18", 50_000), due("A", "2026-10-18", 30_000), due("C", "2026-12-18", 10_000),
        ]
        let split = PaymentAllocation.allocate(Money(kopecks: 60_000), to: documents)
        #expect(
            split.shares == [
                .init(documentID: "A", amount: Money(kopecks: 30_000)),
                .init(documentID: "B", amount: Money(kopecks: 30_000)),
            ])
        #expect(split.advance == .zero)
        let more = PaymentAllocation.allocate(Money(kopecks: 100_000), to: documents)
        #expect(more.shares.map(\.documentID) == ["A", "B", "C"])
        #expect(more.advance == Money(kopecks: 10_000))
        #expect(more.total == Money(kopecks: 100_000))
    }

    @Test func theOrderOfTheListDoesNotMatterAndTiesGoById() {
        let one = [due("D2", "2026-11-18", 100), due("D1", "2026-11-18", 100)]
        #expect(PaymentAllocation.allocate(Money(kopecks: 150), to: one).shares.map(\.documentID) == ["D1", "D2"])
        #expect(
            PaymentAllocation.allocate(Money(kopecks: 150), to: one.reversed())
                == PaymentAllocation.allocate(Money(kopecks: 150), to: one))
    }

    @Test func withNothingDueEverythingIsAnAdvance() {
        let split = PaymentAllocation.allocate(Money(kopecks: 500), to: [due("Z", "2026-11-18", 0)])
        #expect(split.shares.isEmpty && split.advance == Money(kopecks: 500))
        #expect(PaymentAllocation.allocate(Money(kopecks: 500), to: []).advance == Money(kopecks: 500))
    }

    @Test func onlyAllowedMovesBetweenStates() {
        #expect(PaymentState.created.canMove(to: .pending))
        #expect(PaymentState.pending.canMove(to: .succeeded))
        #expect(PaymentState.pending.canMove(to: .canceled))
        for final in [PaymentState.succeeded, .canceled] {
            #expect(final.isFinal)
            for next in PaymentState.allCases { #expect(!final.canMove(to: next), "\(final) → \(next)") }
        }
        #expect(!PaymentState.pending.canMove(to: .created))
        #expect(!PaymentState.pending.canMove(to: .pending))
    }
}
