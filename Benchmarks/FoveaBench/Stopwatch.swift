import Foundation

/// Median wall time of repeated runs, in milliseconds. Never used in tests: timings are only
/// meaningful in release builds on a quiet machine.
public enum Stopwatch {
    public static func medianMilliseconds(repeat count: Int, warmUp: Int = 1, _ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<warmUp { try body() }
        var samples: [Double] = []
        for _ in 0..<max(1, count) {
            let start = ContinuousClock.now
            try body()
            samples.append(milliseconds(since: start))
        }
        return median(samples)
    }

    /// The middle sample (the upper one of an even count); `samples` must not be empty.
    public static func median<Sample: Comparable>(_ samples: [Sample]) -> Sample {
        samples.sorted()[samples.count / 2]
    }

    /// Wall milliseconds from `start` to now.
    public static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = start.duration(to: .now)
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }
}

/// One benchmark line: Fovea beside a reference measured in the same run.
public struct BenchRow: Sendable {
    public var name: String
    public var foveaMilliseconds: Double
    public var referenceName: String
    public var referenceMilliseconds: Double

    public init(name: String, foveaMilliseconds: Double, referenceName: String, referenceMilliseconds: Double) {
        self.name = name
        self.foveaMilliseconds = foveaMilliseconds
        self.referenceName = referenceName
        self.referenceMilliseconds = referenceMilliseconds
    }

    /// Fovea's time over the reference's: below 1 means Fovea is faster.
    public var ratio: Double { foveaMilliseconds / referenceMilliseconds }
}

public enum BenchReport {
    /// A table; with `memcpy`, a last column gives Fovea's time in memcpys of the frame.
    public static func table(_ rows: [BenchRow], title: String, memcpy: Double? = nil) -> String {
        let nameWidth = max(34, (rows.map(\.name.count).max() ?? 0) + 1)
        let referenceWidth = max(22, (rows.map(\.referenceName.count).max() ?? 0) + 1)
        var header = pad("operation", nameWidth) + lpad("fovea ms", 10) + "  " + pad("reference", referenceWidth) + lpad("ref ms", 10) + lpad("ratio", 8)
        if memcpy != nil { header += lpad("x memcpy", 10) }
        var lines = [title, header]
        for row in rows {
            var line = pad(row.name, nameWidth) + lpad(fixed(row.foveaMilliseconds, 2), 10) + "  " + pad(row.referenceName, referenceWidth)
                + lpad(fixed(row.referenceMilliseconds, 2), 10) + lpad(fixed(row.ratio, 2), 8)
            if let memcpy { line += lpad(fixed(row.foveaMilliseconds / memcpy, 2), 10) }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ rows: [BenchRow], context: [String: String]) -> String {
        let entries = rows.map { row in
            "{\"name\":\"\(row.name)\",\"fovea_ms\":\(fixed(row.foveaMilliseconds, 3)),\"reference\":\"\(row.referenceName)\",\"reference_ms\":\(fixed(row.referenceMilliseconds, 3)),\"ratio\":\(fixed(row.ratio, 3))}"
        }
        let header = context.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }
        return "{" + (header + ["\"rows\":[" + entries.joined(separator: ",") + "]"]).joined(separator: ",") + "}"
    }

    static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
    static func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }
    static func lpad(_ text: String, _ width: Int) -> String { text.count >= width ? text : String(repeating: " ", count: width - text.count) + text }
}
