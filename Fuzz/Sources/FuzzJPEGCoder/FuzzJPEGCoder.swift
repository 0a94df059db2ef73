@_spi(Benchmarks) import FoveaCodec
import FoveaKernels

/// Differential: any bytes as a small image (the first four bytes choose its width 1–64, height
/// 1–64, bands 1–4, quality 1–100 and restart interval 0–7; the rest are its samples, repeated
/// to fill it) encoded by Fovea's baseline coder — AVX-512 where the CPU has it, and plain C —
/// and by libjpeg-turbo from the same planes. The files must be the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEGCoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 5 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let width = 1 + Int(bytes[0] & 63), height = 1 + Int(bytes[1] & 63)
    let bands = 1 + Int(bytes[2] & 3), quality = 1 + Int(bytes[3]) % 100, restarts = Int(bytes[2] >> 5)
    let samples = bytes[4...]
    let image = PixelBuffer(width: width, height: height, bands: bands)
    for y in 0..<height {
        let row = image.mutableView.row(y)
        for i in 0..<(width * bands) { row[i] = samples[samples.startIndex + (y * width * bands + i) % samples.count] }
    }
    withExtendedLifetime(image) {
        do {
            let theirs = try Codec.encodeJPEG(image.view, quality: quality, restartInterval: restarts, coder: .libjpeg).array
            for coder in JPEGCoder.available where coder == .scalar || coder == .avx512 {
                let ours = try Codec.encodeJPEG(image.view, quality: quality, restartInterval: restarts, coder: coder).array
                precondition(ours == theirs, "\(coder) wrote \(ours.count) bytes where libjpeg wrote \(theirs.count): \(width)x\(height)x\(bands) q\(quality) restarts \(restarts)")
            }
        } catch {
            preconditionFailure("an encode failed: \(error)")
        }
    }
    return 0
}
