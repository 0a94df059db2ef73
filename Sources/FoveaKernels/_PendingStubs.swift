// Temporary until the kernels branch lands.
public enum ResampleFilter: String, Sendable, CaseIterable { case bilinear, bicubic, lanczos3 }
public struct SmartResizeError: Error, Sendable { public var message: String }
public struct SmartResizeRule: Hashable, Sendable {
    public var factor: Int; public var minPixels: Int; public var maxPixels: Int
    public init(factor: Int, minPixels: Int, maxPixels: Int) { self.factor = factor; self.minPixels = minPixels; self.maxPixels = maxPixels }
    public func size(height: Int, width: Int) throws(SmartResizeError) -> (height: Int, width: Int) { (height, width) }
}
