import CVips
import FoveaKernels

/// What ``Codec/warmUp()`` exercised.
public struct WarmUpReport: Sendable, CustomStringConvertible {
    /// Input formats whose warm-up inputs decoded (JPEG, PNG and WebP made by this process's
    /// encoders first; GIF, TIFF, HEIC and AVIF from ``SampleFiles``).
    public var warmed: [ImageFormat] = []
    /// Input formats this libvips could not warm up, with the reason (e.g. no HEVC decoder).
    public var failed: [ImageFormat: String] = [:]
    /// Other paths exercised: encoders and pixel conversions (`16-bit`, `grey+alpha`).
    public var paths: [String] = []

    /// `warmed jpeg, png, …; failed …; paths …`.
    public var description: String {
        "warmed \(warmed.map(\.rawValue).joined(separator: ", "))"
            + (failed.isEmpty ? "" : "; failed " + failed.map { "\($0.key): \($0.value)" }.sorted().joined(separator: "; "))
            + (paths.isEmpty ? "" : "; paths \(paths.joined(separator: ", "))")
    }
}

extension Codec {
    /// Decodes a tiny image of each allowed format (``SampleImages/warmUpInputs(for:)``), plus
    /// the conversions decode may need (16-bit, grey+alpha) and every encoder answers use, so
    /// lazily loaded modules, codec plugins and thread pools start before a sandbox filter is
    /// applied.
    ///
    /// Not CMYK → sRGB: building lcms's transforms cost ≈ 50 ms of CPU, every worker paid it at
    /// start while few images are CMYK, and it needs nothing but memory, so the first CMYK
    /// decode builds it inside the sandbox (the hostile corpus decodes one in a fresh, filtered
    /// worker: `HostileCorpusTests`).
    ///
    /// Never throws for one format failing; that format is listed in ``WarmUpReport/failed``.
    public static func warmUp() throws -> WarmUpReport {
        try requireInitialized()
        var report = WarmUpReport()
        let rgb = SampleImages.gradient(width: 24, height: 16, bands: 3)
        let rgba = SampleImages.gradient(width: 24, height: 16, bands: 4)

        func attempt(_ name: String, _ body: () throws -> Void) -> String? {
            do { try body(); return nil } catch { return "\(name): \(error)" }
        }

        for format in ImageFormat.allCases {
            var problems: [String] = []
            for (name, encode) in SampleImages.warmUpInputs(for: format) {
                if let problem = attempt(name, { _ = try decode(try encode(rgb.view)) }) {
                    problems.append(problem)
                }
            }
            // HEIF counts as warmed when HEIC or AVIF works; the others need every variant.
            let total = SampleImages.warmUpInputs(for: format).count
            if problems.count < total && (format == .heif || problems.isEmpty) {
                report.warmed.append(format)
            }
            if !problems.isEmpty { report.failed[format] = problems.joined(separator: "; ") }
        }

        let extra: [(String, () throws -> Void)] = [
            ("jpeg rgba", { _ = try decode(try encode(rgba.view, format: .jpeg).array) }),
            ("webp rgba", { _ = try decode(try encode(rgba.view, format: .webp).array) }),
            ("raw", { _ = try encode(rgb.view, format: .raw) }),
            ("16-bit", { _ = try decode(try SampleImages.png16(rgb.view)) }),
            ("grey+alpha", { _ = try decode(try SampleImages.greyAlphaPNG(rgba.view)) }),
        ]
        for (name, body) in extra {
            if attempt(name, body) == nil { report.paths.append(name) }
        }
        return report
    }
}
