/// The shape of an 8-bit, band-interleaved image in memory.
///
/// Fovea's pixel buffers hold `bands` samples per pixel (1 = grey, 3 = RGB, 4 = RGBA), one byte
/// per sample, rows `rowBytes` apart (`rowBytes >= width * bands`; a crop view keeps its
/// parent's stride).
public struct PixelLayout: Hashable, Sendable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public var bands: Int
    public var rowBytes: Int

    /// Bands Fovea's kernels accept.
    public static let supportedBands: Set<Int> = [1, 3, 4]

    @inlinable
    public init(width: Int, height: Int, bands: Int, rowBytes: Int) {
        precondition(width > 0 && height > 0, "PixelLayout: size \(width)x\(height) must be positive")
        precondition(bands >= 1 && bands <= 4, "PixelLayout: bands \(bands) must be 1...4")
        precondition(rowBytes >= width * bands, "PixelLayout: rowBytes \(rowBytes) < width * bands")
        self.width = width
        self.height = height
        self.bands = bands
        self.rowBytes = rowBytes
    }

    /// A tightly packed layout (`rowBytes == width * bands`).
    @inlinable
    public init(width: Int, height: Int, bands: Int) {
        self.init(width: width, height: height, bands: bands, rowBytes: width * bands)
    }

    /// Bytes from the first sample to one past the last (the last row is not padded).
    @inlinable public var byteCount: Int { rowBytes * (height - 1) + width * bands }
    @inlinable public var pixelCount: Int { width * height }
    @inlinable public var isPacked: Bool { rowBytes == width * bands }
    @inlinable public var packed: PixelLayout { PixelLayout(width: width, height: height, bands: bands) }

    public var description: String { "\(width)x\(height)x\(bands)" }
}

/// An integer rectangle of pixels: `x ..< x + width`, `y ..< y + height`.
public struct PixelRect: Hashable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    @inlinable
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The rectangle with corners `(x1, y1)` inclusive and `(x2, y2)` exclusive.
    @inlinable
    public init(x1: Int, y1: Int, x2: Int, y2: Int) {
        self.init(x: x1, y: y1, width: x2 - x1, height: y2 - y1)
    }

    @inlinable public var maxX: Int { x + width }
    @inlinable public var maxY: Int { y + height }
    @inlinable public var isEmpty: Bool { width <= 0 || height <= 0 }
    /// `[x1, y1, x2, y2]`, the order every Fovea box uses.
    @inlinable public var corners: [Int] { [x, y, maxX, maxY] }

    /// Whether the rectangle lies inside a `width` × `height` image.
    @inlinable
    public func isInside(width: Int, height: Int) -> Bool {
        x >= 0 && y >= 0 && maxX <= width && maxY <= height
    }

    public var description: String { "[\(x), \(y), \(maxX), \(maxY)]" }
}
