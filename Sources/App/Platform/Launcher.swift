import Foundation
import Vapor

/// What `lkk` does when started: read the configuration, configure, run the command.
public enum Launcher {
    public static func run() async -> Int32 {
        let config: PortalConfig
        do {
            config = try PortalConfig.load(ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("lkk: configuration error: \(error)\n".utf8))
            return 2
        }
        var arguments = CommandLine.arguments
        let command = arguments.dropFirst().first { !$0.hasPrefix("-") } ?? "serve"
        if arguments.count == 1 { arguments.append("serve") }
        let environment = Environment(
            name: config.mode == .production ? "production" : "development", arguments: arguments)
        do {
            var env = environment
            try LoggingSystem.bootstrap(from: &env)
        } catch {
            FileHandle.standardError.write(Data("lkk: \(error)\n".utf8))
            return 2
        }
        let app: Application
        do {
            app = try await Application.make(environment)
        } catch {
            FileHandle.standardError.write(Data("lkk: cannot start: \(error)\n".utf8))
            return 1
        }
        var worker: JobWorker?
        var status: Int32 = 0
        do {
            let serving = command == "serve"
            if serving { try config.checkListening() }
            // Commands that write data migrate an embedded database themselves, as `serve` does.
            let subcommand = arguments.dropFirst().filter { !$0.hasPrefix("-") }.dropFirst().first
            let writes =
                serving || command == "demo" || command == "demo-accounts"
                || (command == "billing" && subcommand != "openapi")
            try await configure(
                app, config: config, autoMigrate: writes && config.database.isSQLite,
                loadDemo: serving && config.demoEnabled)
            if serving && config.runJobsInServe {
                worker = JobWorker(application: app)
                worker?.start()
            }
            try await app.execute()
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("lkk: configuration error: \(error)\n".utf8))
            status = 2
        } catch {
            FileHandle.standardError.write(Data("lkk: \(String(reflecting: error))\n".utf8))
            status = 1
        }
        await worker?.stop()
        try? await app.asyncShutdown()
        return status
    }
}
