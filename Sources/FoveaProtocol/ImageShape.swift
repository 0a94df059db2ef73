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

    public var pixels: Int { width * height }
    public var description: String { "\(width)×\(height)" }
}
