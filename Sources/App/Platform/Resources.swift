import Foundation

/// Finds the `Public/` folder (css, js, icons) wherever the portal was started from.
enum Resources {
    /// `PORTAL_RESOURCES_DIR` first; then the resource bundle SwiftPM places beside the executable
    /// (`lkk_App.resources/Public`); then an installed layout (`../share/lkk/Public`); then the source tree.
    static func publicDirectory(configured: String?) -> String? {
        if let configured { return configured }
        var candidates: [URL] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let folder = executable.deletingLastPathComponent()
        candidates.append(folder.appendingPathComponent("lkk_App.resources/Public"))
        candidates.append(folder.appendingPathComponent("../share/lkk/Public"))
        // Test bundles live in the same build folder as the resource bundle.
        candidates.append(folder.appendingPathComponent("../lkk_App.resources/Public"))
        candidates.append(folder.appendingPathComponent("../../lkk_App.resources/Public"))
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(source.appendingPathComponent("Public"))
        for candidate in candidates
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("css").path) {
            return candidate.standardizedFileURL.path
        }
        return nil
    }
}
