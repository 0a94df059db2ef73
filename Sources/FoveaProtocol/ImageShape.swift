import FoveaKernels

/// The size and bands of an image a step starts from or produces.
public struct ImageShape: Sendable, Equatable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public var bands: Int

    public init(width: Int, height: Int, bands: Int) {
        self.width = width
        self.height = height
        self.bands = bands
    }

    /// The shape of pixels laid out as `layout`.
    public init(_ layout: PixelLayout) {
        self.init(width: layout.width, height: layout.height, bands: layout.bands)
    }

    public var pixels: Int { width * height }
    public var description: String { "\(width)×\(height)" }
}
