import CBase64
import ExtrasBase64
import Foundation
@testable import FoveaServer
import Testing

/// The answer lines' base64 (CKernels/CBase64): the same text as the scalar RFC 4648 encoder
/// the daemon used before, on every length around the 24-byte steps and the padding, and the
/// AVX2 path really taken where the CPU has it.
@Suite struct AnswerBase64Tests {
    static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }

    typealias Encoder = (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<CChar>?) -> Int

    static func encode(_ bytes: [UInt8], with encoder: Encoder) -> String {
        let count = fovea_base64_encoded_length(bytes.count)
        return String(unsafeUninitializedCapacity: count) { output in
            output.withMemoryRebound(to: CChar.self) { characters in
                bytes.withUnsafeBufferPointer { encoder($0.baseAddress, bytes.count, characters.baseAddress) }
            }
        }
    }

    static func scalar(_ bytes: [UInt8]) -> String { encode(bytes, with: fovea_base64_encode_scalar) }

    @Test func everyLengthUpTo300EqualsTheReferenceEncoder() {
        for count in 0...300 {
            let bytes = Self.randomBytes(count, seed: UInt64(count + 1))
            let reference = Base64.encodeToString(bytes: bytes)
            #expect(AnswerBase64.encode(bytes) == reference, "length \(count)")
            #expect(Self.scalar(bytes) == reference, "scalar, length \(count)")
        }
    }

    @Test func largeAndExtremeInputsEqualTheReferenceEncoder() {
        let cases: [[UInt8]] = [Self.randomBytes(1 << 20, seed: 7), Self.randomBytes(273_001, seed: 8),
                                [UInt8](repeating: 0, count: 1000), [UInt8](repeating: 0xFF, count: 1001),
                                (0..<768).map { UInt8($0 % 256) }]
        for bytes in cases {
            #expect(AnswerBase64.encode(bytes) == Base64.encodeToString(bytes: bytes), "\(bytes.count) bytes")
        }
    }

    @Test func theAVX2PathIsTakenWhereTheCPUHasItAndEqualsTheScalarOne() throws {
        let flags = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ") ?? []
        #expect((fovea_base64_uses_avx2() == 1) == flags.contains("avx2"))
        guard fovea_base64_uses_avx2() == 1 else { return }  // the dispatch is then the scalar path, compared above
        for count in [0, 1, 27, 28, 29, 51, 52, 53, 1000, 273_001] {
            let bytes = Self.randomBytes(count, seed: UInt64(count) &+ 99)
            #expect(Self.encode(bytes, with: fovea_base64_encode_avx2) == Self.scalar(bytes), "length \(count)")
        }
    }
}
