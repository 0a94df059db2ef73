/// A read-only, non-owning view of 8-bit interleaved pixels.
///
/// Kernels read from views and write into ``MutableImageView``s; whoever made the view keeps
/// the memory alive (usually a ``PixelBuffer``) for as long as the view is used.
public struct ImageView: @unchecked Sendable {
    public let base: UnsafePointer<UInt8>
    public let layout: PixelLayout

    @inlinable
    public init(base: UnsafePointer<UInt8>, layout: PixelLayout) {
        self.base = base
        self.layout = layout
    }

    @inlinable public var width: Int { layout.width }
    @inlinable public var height: Int { layout.height }
    @inlinable public var bands: Int { layout.bands }
    @inlinable public var rowBytes: Int { layout.rowBytes }

    /// The first sample of row `y`.
    @inlinable
    public func row(_ y: Int) -> UnsafePointer<UInt8> { base + y * layout.rowBytes }

    /// A zero-copy view of `rect`, which must lie inside this view.
    @inlinable
    public func cropped(to rect: PixelRect) -> ImageView {
        precondition(!rect.isEmpty && rect.isInside(width: width, height: height),
                     "ImageView.cropped: \(rect) is not inside \(width)x\(height)")
        return ImageView(
            base: base + rect.y * layout.rowBytes + rect.x * layout.bands,
            layout: PixelLayout(width: rect.width, height: rect.height, bands: layout.bands,
                                rowBytes: layout.rowBytes))
    }
}

/// A writable, non-owning view of 8-bit interleaved pixels.
public struct MutableImageView: @unchecked Sendable {
    public let base: UnsafeMutablePointer<UInt8>
    public let layout: PixelLayout

    @inlinable
    public init(base: UnsafeMutablePointer<UInt8>, layout: PixelLayout) {
        self.base = base
        self.layout = layout
    }

    @inlinable public var width: Int { layout.width }
    @inlinable public var height: Int { layout.height }
    @inlinable public var bands: Int { layout.bands }
    @inlinable public var rowBytes: Int { layout.rowBytes }

    @inlinable
    public func row(_ y: Int) -> UnsafeMutablePointer<UInt8> { base + y * layout.rowBytes }

    @inlinable
    public var readOnly: ImageView { ImageView(base: UnsafePointer(base), layout: layout) }

    /// A zero-copy writable view of `rect`, which must lie inside this view.
    @inlinable
    public func cropped(to rect: PixelRect) -> MutableImageView {
        precondition(!rect.isEmpty && rect.isInside(width: width, height: height),
                     "MutableImageView.cropped: \(rect) is not inside \(width)x\(height)")
        return MutableImageView(
            base: base + rect.y * layout.rowBytes + rect.x * layout.bands,
            layout: PixelLayout(width: rect.width, height: rect.height, bands: layout.bands,
                                rowBytes: layout.rowBytes))
    }
}
