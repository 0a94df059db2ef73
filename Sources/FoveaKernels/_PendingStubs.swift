// Temporary until the geometry branch lands.
public enum RotationGeometry {
    public static func outputSize(width: Int, height: Int, degrees: Double, expand: Bool) -> (width: Int, height: Int) { (width, height) }
}
public enum QuarterTurn: Int, Sendable, CaseIterable { case counterClockwise90 = 90, halfTurn = 180, clockwise90 = 270 }
public func rotate(_ src: ImageView, by turn: QuarterTurn, into dst: MutableImageView, threads: Int) {}
public enum FlipAxis: String, Sendable, CaseIterable { case horizontal, vertical }
public func flip(_ src: ImageView, _ axis: FlipAxis, into dst: MutableImageView, threads: Int) {}
public enum RotationFilter: String, Sendable, CaseIterable { case nearest, bilinear, bicubic }
public func rotate(_ src: ImageView, degrees: Double, filter: RotationFilter, expand: Bool, fill: [UInt8], into dst: MutableImageView, threads: Int) {}
public enum Enhance {
    public static func brightness(_ src: ImageView, factor: Double, into dst: MutableImageView, threads: Int) {}
    public static func contrast(_ src: ImageView, factor: Double, into dst: MutableImageView, threads: Int) {}
    public static func color(_ src: ImageView, factor: Double, into dst: MutableImageView, threads: Int) {}
    public static func sharpness(_ src: ImageView, factor: Double, into dst: MutableImageView, threads: Int) {}
    public static func gamma(_ src: ImageView, gamma: Double, into dst: MutableImageView, threads: Int) {}
    public static func autocontrast(_ src: ImageView, cutoff: Double, into dst: MutableImageView, threads: Int) {}
    public static func equalize(_ src: ImageView, into dst: MutableImageView, threads: Int) {}
    public static func invert(_ src: ImageView, into dst: MutableImageView, threads: Int) {}
    public static func grayscale(_ src: ImageView, into dst: MutableImageView, threads: Int) {}
}
public struct ChannelStatistics: Sendable, Equatable { public var mean: Double; public var standardDeviation: Double; public var minimum: UInt8; public var maximum: UInt8; public var histogram: [Int] }
public func channelStatistics(_ view: ImageView, threads: Int) -> [ChannelStatistics] { Array(repeating: ChannelStatistics(mean: 0, standardDeviation: 0, minimum: 0, maximum: 0, histogram: Array(repeating: 0, count: 16)), count: view.bands) }
