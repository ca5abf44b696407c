import PortalDomain
import Testing

/// Table 3 of the manual, copied row by row as text: Энергетик, Бухгалтер, Руководитель, Администратор.
private let table3: [(ContractAction, String)] = [
    (.requestAdministratorRole, "+ + + +"),  // Запрос роли «Администратор»
    (.removeContract, "+ + + +"),  // Удаление договора
    (.viewContract, "+ + + +"),  // Отображение информации по договору
    (.viewContractAttachments, "+ + + +"),  // Отображение приложений к договору
    (.submitReadings, "+ – + +"),  // Передача показаний по договору, в том числе из файла и интервальные
    (.viewReadingHistory, "+ – + +"),  // Отображение истории показаний по договору
    (.requestReconciliationAct, "– + + +"),  // Запрос акта сверки
    (.viewUnpaidDocuments, "– + + +"),  // Отображение неоплаченных платежных документов по договору
    (.viewDebt, "– + + +"),  // Отображение информации о задолженности по договору
    (.viewInvoiceChart, "– + + +"),  // Отображение информации о графике счетов и оплат по договору
    (.viewPaymentHistory, "– + + +"),  // Отображение истории платежей по договору
    (.pay, "– + + +"),  // Совершение платежа по договору
    (.viewDocumentHistory, "– + + +"),  // Отображение истории документов по договору
    (.assignRoles, "– – – +"),  // Назначение ролей на договор
    (.removeRole, "– – – +"),  // Удаление назначенной роли
]
private let columns: [Role] = [.powerEngineer, .accountant, .manager, .administrator]

@Suite struct AccessPolicyTests {
    @Test func tableCoversEveryAction() {
        #expect(Set(table3.map(\.0)) == Set(ContractAction.allCases))
        #expect(table3.count == ContractAction.allCases.count)
    }

    @Test(arguments: table3)
    func row(action: ContractAction, marks: String) {
        let cells = marks.split(separator: " ").map { $0 == "+" }
        #expect(cells.count == 4)
        for (role, expected) in zip(columns, cells) {
            #expect(AccessPolicy.allows(role, action) == expected, "\(role) \(action)")
        }
    }

    @Test func roleNamesAsOnScreen() {
        #expect(columns.map(\.title) == ["Энергетик", "Бухгалтер", "Руководитель", "Администратор"])
        #expect(Role.onAddition == .manager)
    }

    @Test func energyObjectLimits() {
        #expect(AccessPolicy.allows(.powerEngineer, .submitReadings, energyObject: "eo-1", limitedTo: nil))
        #expect(AccessPolicy.allows(.powerEngineer, .submitReadings, energyObject: "eo-1", limitedTo: ["eo-1"]))
        #expect(!AccessPolicy.allows(.powerEngineer, .submitReadings, energyObject: "eo-2", limitedTo: ["eo-1"]))
        #expect(!AccessPolicy.allows(.accountant, .submitReadings, energyObject: "eo-1", limitedTo: nil))
    }

    @Test func oneAdministratorPerContract() {
        #expect(RoleAssignment.refusal(giving: .administrator, otherRoles: [.manager, .accountant]) == nil)
        #expect(RoleAssignment.refusal(giving: .administrator, otherRoles: [.administrator]) == .administratorTaken)
        #expect(RoleAssignment.refusal(giving: .manager, otherRoles: [.administrator]) == nil)
    }
}
