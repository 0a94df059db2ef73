import Foundation
import Testing

/// `fovea replay` run for a test, and the checks of its report in headless Chromium.
enum ReplayRun {
    static func temporaryDirectory(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-\(name)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func replay(_ source: String, report: String, daemon: Daemon, _ extra: [String] = []) throws -> (status: Int32, output: String) {
        try Subprocess.run(Daemon.executable, ["replay", source, "--html", report, "--socket", daemon.socketPath, "--quiet"] + extra)
    }

    /// Checks the rendered report: every `img.shot` decoded by the browser, `expected[(case,
    /// round, side)]` images of each kind, and a screenshot that is not blank.
    static func checkRendering(_ report: String, expected: [String: Int], sourceLine: Int = #line) throws {
        let dom = try Chromium.dumpDOM(report)
        #expect(dom.contains("data-ready=\"1\""), "the page's load event did not run")
        let images = Chromium.images(in: dom).filter { $0["class"] == "shot" }
        var found: [String: Int] = [:]
        for image in images {
            #expect(image["data-loaded"] == "1", "Chromium could not decode \(image["alt"] ?? "?") of case \(image["data-case"] ?? "?") round \(image["data-round"] ?? "?")")
            #expect(image["src"]?.hasPrefix("data:image/") == true)
            found["\(image["data-case"] ?? "")/\(image["data-round"] ?? "")/\(image["data-side"] ?? "")", default: 0] += 1
        }
        #expect(found == expected.filter { $0.value > 0 }, "images per case/round/side (line \(sourceLine))")
        let shot = try Chromium.screenshot(report, width: 1280, height: 2400)
        let variety = shot.variety()
        #expect(variety.colours > 200 && variety.deviation > 10, "the screenshot looks blank: \(variety)")
    }
}
