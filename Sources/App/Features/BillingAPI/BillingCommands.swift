import Foundation
import PortalDomain
import SQLKit
import Vapor

/// `lkk billing …`: tokens of the exchange API, its OpenAPI document, and closing a period with demo tariffs.
struct BillingCommands: AsyncCommandGroup {
    var help: String { "The billing exchange: tokens, the OpenAPI document, closing a period." }
    var commands: [String: any AnyAsyncCommand] {
        ["token": TokenCommands(), "openapi": OpenAPICommand(), "close-period": ClosePeriodCommand()]
    }
}

struct TokenCommands: AsyncCommandGroup {
    var help: String { "Bearer tokens of the billing API: create NAME, revoke NAME, list." }
    var commands: [String: any AnyAsyncCommand] {
        ["create": CreateToken(), "revoke": RevokeToken(), "list": ListTokens()]
    }

    struct CreateToken: AsyncCommand {
        struct Signature: CommandSignature {
            @Argument(name: "name", help: "Who will hold the token, e.g. billing-prod.")
            var name: String
        }
        var help: String { "Makes a token and prints it once." }
        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            let token = try await BillingTokens.create(
                name: signature.name, now: app.portal.clock.now(), on: app.db.sql)
            try await AuditLog.record(
                "billing.token.created", actor: "console", subject: signature.name, at: app.portal.clock.now(),
                on: app.db)
            context.console.print(token)
        }
    }

    struct RevokeToken: AsyncCommand {
        struct Signature: CommandSignature {
            @Argument(name: "name", help: "The token's name.")
            var name: String
        }
        var help: String { "Revokes every live token with this name." }
        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            let count = try await BillingTokens.revoke(
                name: signature.name, now: app.portal.clock.now(), on: app.db.sql)
            try await AuditLog.record(
                "billing.token.revoked", actor: "console", subject: signature.name, at: app.portal.clock.now(),
                on: app.db)
            context.console.print("revoked \(count)")
        }
    }

    struct ListTokens: AsyncCommand {
        struct Signature: CommandSignature {}
        var help: String { "Lists tokens: name, created, revoked." }
        func run(using context: CommandContext, signature: Signature) async throws {
            let formatter = ISO8601DateFormatter()
            for token in try await BillingTokens.list(on: context.application.db.sql) {
                let revoked = token.revokedAt.map { "revoked \(formatter.string(from: $0))" } ?? "live"
                context.console.print("\(token.name)\t\(formatter.string(from: token.createdAt))\t\(revoked)")
            }
        }
    }
}

struct OpenAPICommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Prints the OpenAPI document of the billing API (docs/billing-api.openapi.json)." }
    func run(using context: CommandContext, signature: Signature) async throws {
        FileHandle.standardOutput.write(BillingOpenAPI.documentData)
    }
}

struct ClosePeriodCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String {
        "Closes the open period as a billing system would: accepts the submitted readings, issues invoices and documents."
    }
    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let result = try await PeriodClosing.close(
            now: app.portal.clock.now(), timeZone: app.portal.config.timeZone, on: app.db)
        context.console.print(
            "closed \(result.period): \(result.readings) readings accepted, \(result.invoices) invoices issued")
    }
}
