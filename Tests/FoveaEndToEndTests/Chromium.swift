import Foundation
import FoveaCodec
import FoveaKernels
import Testing

/// Headless Chromium (Debian's `chromium`; `scripts/bootstrap.sh --test` installs it) rendering
/// a page from a file: its DOM after the load event, and a screenshot.
enum Chromium {
    static var executable: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs Chromium on `page` with a profile of its own; `arguments` say what to produce.
    private static func run(_ page: String, _ arguments: [String]) throws -> String {
        let chromium = try #require(executable, "Chromium is not installed: scripts/bootstrap.sh --test installs it (apt-get install chromium)")
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-chromium-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        // --no-sandbox: the tests run as root, which Chromium's own sandbox refuses.
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile)",
                             "--virtual-time-budget=20000"] + arguments + [URL(fileURLWithPath: page).absoluteString]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "chromium exited \(process.terminationStatus): \(errors.textSoFar().suffix(2000))")
        return text
    }

    /// The DOM once the page has loaded and its scripts have run.
    static func dumpDOM(_ page: String) throws -> String {
        try run(page, ["--dump-dom"])
    }

    /// A `width`×`height` screenshot of the top of the page, decoded.
    static func screenshot(_ page: String, width: Int, height: Int) throws -> PixelBuffer {
        let png = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-shot-\(UUID().uuidString.prefix(8)).png").path
        defer { try? FileManager.default.removeItem(atPath: png) }
        _ = try run(page, ["--hide-scrollbars", "--window-size=\(width),\(height)", "--screenshot=\(png)"])
        let bytes = try #require(FileManager.default.contents(atPath: png), "chromium wrote no screenshot")
        try Codec.initialize()
        return try Codec.decode([UInt8](bytes)).pixels
    }

    /// Every `<img …>` tag of `dom` as its attributes.
    static func images(in dom: String) -> [[String: String]] {
        dom.components(separatedBy: "<img ").dropFirst().map { tag in
            var attributes: [String: String] = [:]
            var rest = Substring(tag.prefix { $0 != ">" })
            while let equals = rest.range(of: "=\"") {
                let name = rest[..<equals.lowerBound].split(separator: " ").last.map(String.init) ?? ""
                let valueStart = equals.upperBound
                guard let close = rest[valueStart...].firstIndex(of: "\"") else { break }
                attributes[name] = String(rest[valueStart..<close])
                rest = rest[rest.index(after: close)...]
            }
            return attributes
        }
    }
}

extension PixelBuffer {
    /// How many distinct colours a 1-in-`step` sample of the pixels holds, and the standard
    /// deviation of their first band: a blank or single-colour page has 1 colour and 0.
    func variety(step: Int = 7) -> (colours: Int, deviation: Double) {
        let view = self.view
        var colours = Set<UInt32>()
        var sum = 0.0, squares = 0.0, count = 0.0
        for y in stride(from: 0, to: view.height, by: step) {
            let row = view.row(y)
            for x in stride(from: 0, to: view.width, by: step) {
                let offset = x * view.bands
                var key: UInt32 = 0
                for band in 0..<min(3, view.bands) { key = key << 8 | UInt32(row[offset + band]) }
                colours.insert(key)
                let value = Double(row[offset])
                sum += value
                squares += value * value
                count += 1
            }
        }
        let mean = sum / count
        return (colours.count, (squares / count - mean * mean).squareRoot())
    }
}
