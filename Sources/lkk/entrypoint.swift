import App
import Foundation
import NIOCore
import NIOPosix

@main
enum Entrypoint {
    static func main() async {
        // Swift concurrency runs on NIO's event loops instead of its own thread pool, so an async route
        // handler awaiting the database does not hop between the two pools on every query (fewer
        // context switches on 2 cores). Blocking work (bcrypt) runs on the application's thread pool.
        if ProcessInfo.processInfo.environment["PORTAL_NIO_EXECUTOR"] != "0" {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        exit(await Launcher.run())
    }
}
