/// Owned memory holding one image; frees (or unmaps) it when the last reference goes.
///
/// A buffer either allocates its own tightly packed, 64-byte aligned memory or adopts memory
/// someone else mapped (a memfd from the channel), with the closure that releases it.
public final class PixelBuffer: @unchecked Sendable {
    public let layout: PixelLayout
    public let base: UnsafeMutablePointer<UInt8>
    private let release: (UnsafeMutablePointer<UInt8>) -> Void

    /// Allocates uninitialised, tightly packed storage; kernels overwrite every sample.
    public init(width: Int, height: Int, bands: Int) {
        let layout = PixelLayout(width: width, height: height, bands: bands)
        self.layout = layout
        let raw = UnsafeMutableRawPointer.allocate(byteCount: layout.byteCount, alignment: 64)
        self.base = raw.bindMemory(to: UInt8.self, capacity: layout.byteCount)
        self.release = { $0.deallocate() }
    }

    /// Adopts memory laid out as `layout`; `release` runs once, when the buffer is freed.
    public init(adopting base: UnsafeMutablePointer<UInt8>, layout: PixelLayout,
                release: @escaping (UnsafeMutablePointer<UInt8>) -> Void) {
        self.layout = layout
        self.base = base
        self.release = release
    }

    deinit { release(base) }

    @inlinable public var width: Int { layout.width }
    @inlinable public var height: Int { layout.height }
    @inlinable public var bands: Int { layout.bands }

    public var view: ImageView { ImageView(base: UnsafePointer(base), layout: layout) }
    public var mutableView: MutableImageView { MutableImageView(base: base, layout: layout) }

    /// A packed copy of `view`.
    public static func copy(of view: ImageView) -> PixelBuffer {
        let out = PixelBuffer(width: view.width, height: view.height, bands: view.bands)
        let rowLength = view.width * view.bands
        for y in 0..<view.height {
            (out.base + y * out.layout.rowBytes).update(from: view.row(y), count: rowLength)
        }
        return out
    }

    /// The samples as one packed array (row after row, no padding); for tests and `raw` output.
    public func packedBytes() -> [UInt8] {
        let rowLength = width * bands
        var bytes = [UInt8](repeating: 0, count: rowLength * height)
        bytes.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                (out.baseAddress! + y * rowLength).update(from: view.row(y), count: rowLength)
            }
        }
        return bytes
    }
}
