#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Enhance {
    /// A gamma curve: each colour sample `v` becomes `round(255 · (v / 255)^(1 / gamma))`,
    /// rounded half up. `gamma` above 1 brightens the mid-tones, below 1 darkens them; 1 is a
    /// copy; 0 and 255 never move. Not a Pillow operation (Pillow users write
    /// `image.point(lambda v: ...)`), so the oracle is the formula itself.
    ///
    /// Alpha: kept.
    ///
    /// A point map through 64 K-entry pair tables (see ``PairTableForm``): about two memcpys.
    public static func gamma(_ src: ImageView, gamma: Double, into dst: MutableImageView,
                             threads: Int = 1) {
        check("gamma", src, dst)
        PointMap(bands: src.bands, colour: gammaTable(gamma)).apply(src, into: dst, threads: threads)
    }

    /// The 256 levels of the curve.
    static func gammaTable(_ gamma: Double) -> [UInt8] {
        precondition(gamma.isFinite && gamma > 0, "Enhance.gamma: gamma \(gamma) must be finite and positive")
        let exponent = 1 / gamma
        return (0..<256).map { v in
            let level = 255 * pow(Double(v) / 255, exponent) + 0.5
            return UInt8(Swift.max(0, Swift.min(255, Int(level))))
        }
    }
}
