import CLinux
import Glibc
import Testing
@testable import FoveaSandbox

/// Rows of an image still being decoded: the supervisor seals the scratch memfd's size and
/// hands other workers a read-only descriptor of it.
@Suite struct PartialMemfdTests {
    /// A lent scratch memfd the "decoder" has shrunk to `size` and mapped for writing.
    func decoding(size: Int) throws -> (scratch: ScratchMemfd, writer: WritableMemfd) {
        let scratch = try ScratchMemfd(name: "test-decoding", capacity: 1 << 20)
        return (scratch, try WritableMemfd(fillingScratch: dup(scratch.descriptor.rawValue), size: size))
    }

    @Test func readersSeeRowsWhileTheDecoderWritesAndTheDecoderCanStillSeal() throws {
        let (scratch, writer) = try decoding(size: 8)
        writer.bytes.copyBytes(from: [1, 2, 3, 4])
        let partial = try PartialMemfd(sealingSizeOf: scratch, expectedSize: 8)
        let reader = try DetachedMapping.mapSource(dup(partial.descriptor.rawValue), size: 8)
        #expect(Array(reader.bytes.prefix(4)) == [1, 2, 3, 4])
        writer.bytes.baseAddress!.storeBytes(of: 5, toByteOffset: 4, as: UInt8.self)
        #expect(reader.bytes[4] == 5)
        // The reader's mapping comes from a read-only descriptor, so it does not count as
        // writable: the decoder can still add the write seal when it is done.
        let sealed = try writer.seal()
        #expect(fovea_memfd_seals_complete(fovea_memfd_get_seals(sealed.descriptor.rawValue)) != 0)
        #expect(reader.bytes[4] == 5)
    }

    /// A small image's decoder can finish and seal everything before the supervisor handles
    /// its header notice; the rows are then shared as they are (found by `fovea fuzz`).
    @Test func aMemfdTheDecoderAlreadySealedIsSharedAsItIs() throws {
        let (scratch, writer) = try decoding(size: 8)
        writer.bytes.copyBytes(from: [9, 8, 7, 6, 5, 4, 3, 2])
        let sealed = try writer.seal()
        let partial = try PartialMemfd(sealingSizeOf: scratch, expectedSize: 8)
        let reader = try DetachedMapping.mapSource(dup(partial.descriptor.rawValue), size: 8)
        #expect(Array(reader.bytes) == [9, 8, 7, 6, 5, 4, 3, 2])
        withExtendedLifetime(sealed) {}
    }

    @Test func theSizeCannotChangeUnderAReader() throws {
        let (scratch, writer) = try decoding(size: 4096)
        let partial = try PartialMemfd(sealingSizeOf: scratch, expectedSize: 4096)
        #expect(ftruncate(scratch.descriptor.rawValue, 100) == -1 && errno == EPERM)
        #expect(ftruncate(scratch.descriptor.rawValue, 8192) == -1 && errno == EPERM)
        withExtendedLifetime((writer, partial)) {}
    }

    @Test func theReadersDescriptorCannotMapForWriting() throws {
        let (scratch, writer) = try decoding(size: 4096)
        let partial = try PartialMemfd(sealingSizeOf: scratch, expectedSize: 4096)
        let address = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, partial.descriptor.rawValue, 0)
        #expect(address == MAP_FAILED && errno == EACCES)
        withExtendedLifetime(writer) {}
    }

    @Test func aSizeOtherThanAnnouncedIsRefused() throws {
        let (scratch, writer) = try decoding(size: 10)
        #expect(throws: MemfdRejection("the decoding memfd holds 10 bytes, expected 12")) {
            try PartialMemfd(sealingSizeOf: scratch, expectedSize: 12)
        }
        withExtendedLifetime(writer) {}
    }

    @Test func workersMapOnlySizeSealedSources() throws {
        let (scratch, writer) = try decoding(size: 16)
        #expect(throws: MemfdRejection.self) {
            try DetachedMapping.mapSource(dup(scratch.descriptor.rawValue), size: 16)
        }
        let partial = try PartialMemfd(sealingSizeOf: scratch, expectedSize: 16)
        #expect(throws: MemfdRejection("source memfd holds 16 bytes, expected 32")) {
            try DetachedMapping.mapSource(dup(partial.descriptor.rawValue), size: 32)
        }
        withExtendedLifetime(writer) {}
    }
}
