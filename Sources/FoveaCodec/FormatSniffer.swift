/// Identifies an encoded image from its first bytes, before libvips sees it.
///
/// Sniffing first means we choose the loader ourselves (never libvips's guess, which for
/// unknown bytes may be ImageMagick), can name a refused format in the error, and can read the
/// declared size of the simple formats (PNG, GIF, WebP, JPEG) to refuse a decompression bomb
/// without running any decoder at all. libvips's header read stays the authority for the size.
enum FormatSniffer {
    /// What the first bytes say.
    enum Kind: Equatable {
        /// An allowed format.
        case allowed(ImageFormat)
        /// A recognised format that is not allowed, e.g. `PPM`, `SVG`, `vips native (.v)`.
        case blocked(String)
        /// Nothing we recognise; holds the first bytes in hex for the message.
        case unknown(String)
    }

    /// The width and height a header declares, before EXIF orientation.
    struct DeclaredSize: Equatable {
        var width: Int
        var height: Int
    }

    static func kind(of bytes: UnsafeRawBufferPointer) -> Kind {
        let b = Bytes(bytes)
        if b.starts(with: [0xFF, 0xD8, 0xFF]) { return .allowed(.jpeg) }
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .allowed(.png) }
        if b.starts(with: "GIF87a") || b.starts(with: "GIF89a") { return .allowed(.gif) }
        if b.starts(with: "RIFF") && b.matches("WEBP", at: 8) { return .allowed(.webp) }
        if b.starts(with: [0x49, 0x49, 0x2A, 0x00]) || b.starts(with: [0x4D, 0x4D, 0x00, 0x2A])
            || b.starts(with: [0x49, 0x49, 0x2B, 0x00]) || b.starts(with: [0x4D, 0x4D, 0x00, 0x2B]) {
            return .allowed(.tiff)
        }
        if b.matches("ftyp", at: 4) {
            let brand = b.ascii(8, 4)
            let heifBrands: Set<String> = [
                "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1", "mif2", "avif",
                "avis",
            ]
            if heifBrands.contains(brand) { return .allowed(.heif) }
            if brand == "jxl " { return .blocked("JPEG XL") }
            if brand == "crx " { return .blocked("Canon CR3 raw") }
            return .blocked("ISO media file (brand \"\(brand)\")")
        }
        if let name = blockedName(b) { return .blocked(name) }
        return .unknown(b.hexPrefix(8))
    }

    /// Recognised formats that libvips (or ImageMagick behind it) could load but Fovea refuses.
    private static func blockedName(_ b: Bytes) -> String? {
        if b.count >= 2, b[0] == UInt8(ascii: "P") {
            switch b[1] {
            case UInt8(ascii: "1"), UInt8(ascii: "4"): return "PBM (Netpbm bitmap)"
            case UInt8(ascii: "2"), UInt8(ascii: "5"): return "PGM (Netpbm greymap)"
            case UInt8(ascii: "3"), UInt8(ascii: "6"): return "PPM (Netpbm pixmap)"
            case UInt8(ascii: "7"): return "PAM (Netpbm)"
            case UInt8(ascii: "F"), UInt8(ascii: "f"): return "PFM (Netpbm float)"
            default: break
            }
        }
        if b.starts(with: [0x08, 0xF2, 0xA6, 0xB6]) || b.starts(with: [0xB6, 0xA6, 0xF2, 0x08]) {
            return "vips native (.v)"
        }
        if b.starts(with: "%PDF") { return "PDF" }
        if b.starts(with: "%!PS") { return "PostScript" }
        if b.starts(with: "BM") { return "BMP" }
        if b.starts(with: [0x00, 0x00, 0x01, 0x00]) { return "ICO" }
        if b.starts(with: "8BPS") { return "PSD (Photoshop)" }
        if b.starts(with: [0xFF, 0x4F, 0xFF, 0x51]) || b.matches("jP  ", at: 4) { return "JPEG 2000" }
        if b.starts(with: [0xFF, 0x0A]) || b.matches("JXL ", at: 4) { return "JPEG XL" }
        if b.starts(with: [0x76, 0x2F, 0x31, 0x01]) { return "OpenEXR" }
        if b.starts(with: "SIMPLE  =") { return "FITS" }
        if b.starts(with: "#?RADIANCE") || b.starts(with: "#?RGBE") { return "Radiance HDR" }
        if b.starts(with: "MATLAB") { return "MATLAB" }
        if b.starts(with: "qoif") { return "QOI" }
        if b.starts(with: [0x1F, 0x8B]) { return "gzip (e.g. SVGZ)" }
        // Text formats: skip a BOM and whitespace, then look for markup.
        let text = b.asciiPrefix(512).lowercased()
        if text.contains("<svg") { return "SVG" }
        if text.hasPrefix("<?xml") || text.hasPrefix("<!doctype") || text.hasPrefix("<html") {
            return "XML/HTML text"
        }
        return nil
    }

    /// The size the header declares, for the formats whose header we can read in a few bytes.
    static func declaredSize(of bytes: UnsafeRawBufferPointer, format: ImageFormat) -> DeclaredSize? {
        let b = Bytes(bytes)
        switch format {
        case .png:
            // IHDR is the first chunk: width and height are big-endian at 16 and 20.
            guard b.matches("IHDR", at: 12), let w = b.u32be(16), let h = b.u32be(20) else { return nil }
            return DeclaredSize(width: Int(w), height: Int(h))
        case .gif:
            // Logical screen descriptor: little-endian width and height at 6 and 8.
            guard let w = b.u16le(6), let h = b.u16le(8) else { return nil }
            return DeclaredSize(width: Int(w), height: Int(h))
        case .webp:
            return webpSize(b)
        case .jpeg:
            return jpegSize(b)
        case .tiff, .heif:
            return nil
        }
    }

    private static func webpSize(_ b: Bytes) -> DeclaredSize? {
        if b.matches("VP8X", at: 12), let w = b.u24le(24), let h = b.u24le(27) {
            return DeclaredSize(width: Int(w) + 1, height: Int(h) + 1)
        }
        if b.matches("VP8L", at: 12), b.count > 24, b[20] == 0x2F, let bits = b.u32le(21) {
            return DeclaredSize(width: Int(bits & 0x3FFF) + 1, height: Int((bits >> 14) & 0x3FFF) + 1)
        }
        if b.matches("VP8 ", at: 12), b.count >= 30, b[23] == 0x9D, b[24] == 0x01, b[25] == 0x2A,
           let w = b.u16le(26), let h = b.u16le(28) {
            return DeclaredSize(width: Int(w & 0x3FFF), height: Int(h & 0x3FFF))
        }
        return nil
    }

    /// Walks the marker segments up to the first SOFn (skipping APPn payloads such as an EXIF
    /// thumbnail) and reads its height and width.
    private static func jpegSize(_ b: Bytes) -> DeclaredSize? {
        var i = 2
        while i + 3 < b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }  // fill byte
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 { i += 2; continue }
            if marker == 0xD9 || marker == 0xDA { return nil }  // EOI or SOS before any SOF
            guard let length = b.u16be(i + 2), length >= 2 else { return nil }
            let isSOF = (0xC0...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
            if isSOF {
                guard let h = b.u16be(i + 5), let w = b.u16be(i + 7) else { return nil }
                return h == 0 ? nil : DeclaredSize(width: Int(w), height: Int(h))  // 0: set by DNL
            }
            i += 2 + Int(length)
        }
        return nil
    }
}

/// Bounds-checked reads from the start of an encoded buffer.
private struct Bytes {
    let raw: UnsafeRawBufferPointer
    init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

    var count: Int { raw.count }
    subscript(i: Int) -> UInt8 { raw[i] }

    func starts(with prefix: [UInt8]) -> Bool { matches(prefix, at: 0) }
    func starts(with prefix: String) -> Bool { matches(prefix, at: 0) }
    func matches(_ s: String, at offset: Int) -> Bool { matches(Array(s.utf8), at: offset) }
    func matches(_ s: [UInt8], at offset: Int) -> Bool {
        guard offset >= 0, offset + s.count <= count else { return false }
        for (k, byte) in s.enumerated() where raw[offset + k] != byte { return false }
        return true
    }

    func ascii(_ offset: Int, _ length: Int) -> String {
        guard offset + length <= count else { return "" }
        return String(decoding: raw[offset..<offset + length].map { $0 < 0x20 || $0 > 0x7E ? 0x3F : $0 },
                      as: UTF8.self)
    }

    /// Up to `limit` leading bytes as text, after a UTF-8 BOM and leading whitespace.
    func asciiPrefix(_ limit: Int) -> String {
        var start = matches([0xEF, 0xBB, 0xBF], at: 0) ? 3 : 0
        while start < count, [0x20, 0x09, 0x0A, 0x0D].contains(raw[start]) { start += 1 }
        let end = min(count, start + limit)
        guard start < end else { return "" }
        return String(decoding: raw[start..<end], as: UTF8.self)
    }

    func hexPrefix(_ n: Int) -> String {
        raw.prefix(n).map { byte in
            let s = String(byte, radix: 16, uppercase: true)
            return s.count == 1 ? "0" + s : s
        }.joined(separator: " ")
    }

    func u16be(_ o: Int) -> UInt16? {
        guard o >= 0, o + 2 <= count else { return nil }
        return UInt16(raw[o]) << 8 | UInt16(raw[o + 1])
    }
    func u16le(_ o: Int) -> UInt16? {
        guard o >= 0, o + 2 <= count else { return nil }
        return UInt16(raw[o + 1]) << 8 | UInt16(raw[o])
    }
    func u24le(_ o: Int) -> UInt32? {
        guard o >= 0, o + 3 <= count else { return nil }
        return UInt32(raw[o]) | UInt32(raw[o + 1]) << 8 | UInt32(raw[o + 2]) << 16
    }
    func u32be(_ o: Int) -> UInt32? {
        guard o >= 0, o + 4 <= count else { return nil }
        return UInt32(raw[o]) << 24 | UInt32(raw[o + 1]) << 16 | UInt32(raw[o + 2]) << 8 | UInt32(raw[o + 3])
    }
    func u32le(_ o: Int) -> UInt32? {
        guard o >= 0, o + 4 <= count else { return nil }
        return UInt32(raw[o]) | UInt32(raw[o + 1]) << 8 | UInt32(raw[o + 2]) << 16 | UInt32(raw[o + 3]) << 24
    }
}
