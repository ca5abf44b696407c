import Foundation
import Vapor

/// `lkk staff create EMAIL --role admin|operator [--name NAME]`: the first member of staff (and any later
/// one) from the command line; prints the one-time link to set the password and enrol the second factor.
struct StaffCommands: AsyncCommandGroup {
    var help: String { "Staff of the admin module: create EMAIL --role admin|operator." }
    var commands: [String: any AnyAsyncCommand] { ["create": Create()] }

    struct Create: AsyncCommand {
        struct Signature: CommandSignature {
            @Argument(name: "email", help: "The member's e-mail, their sign-in name.")
            var email: String
            @Option(name: "role", help: "admin («Администратор системы») or operator («Оператор»).")
            var role: String?
            @Option(name: "name", help: "Full name as shown in the admin module.")
            var name: String?
            @Flag(name: "reset", help: "Start over for an existing member: new password and second factor.")
            var reset: Bool
        }

        var help: String { "Adds a member of staff and prints the link to set up their sign-in." }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            guard let role = StaffMember.Role(rawValue: signature.role ?? "") else {
                throw CommandFailure("--role must be admin or operator")
            }
            let now = app.portal.clock.now()
            do {
                let token = try await StaffAccounts.invite(
                    email: signature.email, name: signature.name ?? signature.email, role: role, now: now,
                    on: app.db.sql, replacing: signature.reset)
                try await AuditLog.record(
                    signature.reset ? "staff.reset" : "staff.invited", actor: "console",
                    subject: signature.email.lowercased(), details: ["role": role.rawValue], at: now, on: app.db)
                context.console.print(app.portal.config.publicOrigin + "/admin/setup?token=" + token)
                context.console.print("The link works once, for 72 hours.")
            } catch StaffAccounts.Failure.invalidEmail {
                throw CommandFailure("not an e-mail address: \(signature.email)")
            } catch StaffAccounts.Failure.taken {
                throw CommandFailure("\(signature.email) is already a member of staff (add --reset to start over)")
            }
        }
    }
}
