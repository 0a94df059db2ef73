import FoveaCodec

/// Any bytes as an encoded image, decoded in this process as a worker decodes it (libvips with
/// Fovea's loaders only, header checked against the limits first), under AddressSanitizer.
/// Limits are small so that each run stays fast: 4 MP, 4096 px a side, 1 MiB encoded.
/// What decodes must have the size its header announced.
private let limits = ImageLimits(maxEncodedBytes: 1 << 20, maxPixels: 4_000_000, maxSide: 4096)
private let initialized: Bool = {
    do { try Codec.initialize() } catch { fatalError("libvips did not start: \(error)") }
    return true
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecode(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    precondition(initialized)
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let header = try? Codec.probe(bytes, limits: limits) else { return 0 }
    precondition(header.width * header.height <= limits.maxPixels, "a header over the limits passed: \(header)")
    for shrink in [1, 2] {
        guard let decoded = try? Codec.decode(bytes, limits: limits, shrink: shrink) else { continue }
        if shrink == 1 {
            precondition(decoded.header.width == header.width && decoded.header.height == header.height,
                         "decoded \(decoded.header.width)x\(decoded.header.height) after a \(header.width)x\(header.height) header")
        }
    }
    return 0
}
