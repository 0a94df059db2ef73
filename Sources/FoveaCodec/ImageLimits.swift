/// Caps checked from the header, before a single pixel is decoded.
///
/// A decompression bomb (a few hundred bytes declaring 225000×225000) is refused in the time
/// it takes to read its header, with memory flat.
public struct ImageLimits: Hashable, Sendable {
    /// Largest encoded input, in bytes (default 64 MiB).
    public var maxEncodedBytes: Int
    /// Largest width × height (default 150 000 000).
    public var maxPixels: Int
    /// Largest width or height (default 32768).
    public var maxSide: Int

    /// Limits with the given caps (each defaults to Fovea's default).
    public init(maxEncodedBytes: Int = 64 << 20, maxPixels: Int = 150_000_000, maxSide: Int = 32768) {
        self.maxEncodedBytes = maxEncodedBytes
        self.maxPixels = maxPixels
        self.maxSide = maxSide
    }

    /// The defaults: 64 MiB, 150 MP, 32768 per side.
    public static let standard = ImageLimits()

    /// Throws `tooManyBytes` when `count` is over ``maxEncodedBytes``.
    public func check(encodedBytes count: Int) throws {
        guard count > maxEncodedBytes else { return }
        let mib = 1 << 20
        let size = count >= mib ? "\(count) bytes (\(Self.mebibytes(count)) MiB)" : "\(count) bytes"
        let limit = maxEncodedBytes >= mib ? "\(Self.mebibytes(maxEncodedBytes)) MiB" : "\(maxEncodedBytes)-byte"
        throw CodecError(.tooManyBytes, "image is \(size), over the \(limit) encoded-size limit")
    }

    /// Throws `tooManyPixels`, else `sideTooLong`, when a `width` × `height` image is over a limit.
    public func check(width: Int, height: Int) throws {
        let pixels = width.multipliedReportingOverflow(by: height)
        if pixels.overflow || pixels.partialValue > maxPixels {
            throw CodecError(
                .tooManyPixels,
                "image is \(width)×\(height) (\(Self.oneDecimal(Double(width) * Double(height) / 1e6)) MP), over the "
                    + "\(Self.compact(Double(maxPixels) / 1e6)) MP pixel limit")
        }
        if width > maxSide || height > maxSide {
            let (name, value) = width >= height ? ("width", width) : ("height", height)
            throw CodecError(
                .sideTooLong,
                "image is \(width)×\(height), its \(name) \(value) is over the \(maxSide)-pixel side limit")
        }
    }

    /// `x` with exactly one decimal (`50625.0`); no Foundation formatting.
    static func oneDecimal(_ x: Double) -> String {
        let tenths = Int((x * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// `x` without decimals when whole (`150`), else with one (`0.5`).
    static func compact(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : oneDecimal(x)
    }

    /// Bytes as MiB with one decimal, or whole when exact (`64`).
    static func mebibytes(_ bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? String(bytes >> 20) : oneDecimal(Double(bytes) / Double(1 << 20))
    }
}
