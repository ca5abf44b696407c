import Foundation
import Vapor

/// `lkk jobs`: a worker process only, for hosts that run jobs beside the web instances.
struct JobsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "once", help: "Run the jobs that are due, then exit.")
        var once: Bool
    }

    var help: String { "Runs background jobs (mail, documents, clean-ups) until stopped." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let worker = JobWorker(application: context.application)
        if signature.once {
            try await Housekeeping.run(context.application)
            try await worker.drain()
            return
        }
        context.console.info("Jobs worker started; Ctrl-C stops it.")
        worker.start()
        await waitForTermination()
        context.console.info("Stopping the jobs worker…")
        await worker.stop()
    }

    private func waitForTermination() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            var sources: [DispatchSourceSignal] = []
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler {
                    if once.take() { continuation.resume() }
                }
                source.resume()
                sources.append(source)
            }
            SignalSources.keep(sources)
        }
    }
}

private final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var taken = false
    func take() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if taken { return false }
        taken = true
        return true
    }
}

/// Keeps the signal sources alive for the life of the process.
private enum SignalSources {
    nonisolated(unsafe) static var held: [DispatchSourceSignal] = []
    static func keep(_ sources: [DispatchSourceSignal]) { held = sources }
}

/// A command refused with a message for the operator.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
