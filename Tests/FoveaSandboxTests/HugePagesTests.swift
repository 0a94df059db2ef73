import Foundation
import Glibc
import Testing
@testable import FoveaSandbox

/// Image memfd mappings ask the kernel for huge pages (whether it grants them is the host's
/// `shmem_enabled` setting); small ones do not.
@Suite struct HugePagesTests {
    @Test func largeMemfdMappingsAreAdvisedAndSmallOnesAreNot() throws {
        let large = try WritableMemfd(name: "large", size: 4 << 20)
        let small = try WritableMemfd(name: "small", size: 64 << 10)
        #expect(try Self.vmFlags(of: UnsafeRawPointer(large.bytes.baseAddress!)).contains("hg"))
        #expect(try !Self.vmFlags(of: UnsafeRawPointer(small.bytes.baseAddress!)).contains("hg"))
        let sealed = try large.seal()
        let mapping = try DetachedMapping.mapSource(dup(sealed.descriptor.rawValue), size: 4 << 20)
        #expect(try Self.vmFlags(of: mapping.bytes.baseAddress!).contains("hg"))
    }

    @Test func theSelectedSettingIsTheBracketedOne() {
        #expect(HugePages.selected(in: "always within_size advise [never] deny force\n") == "never")
        #expect(HugePages.selected(in: "always [advise] never") == "advise")
        #expect(HugePages.selected(in: "nothing selected") == nil)
        #expect(HugePages.grantsAdvisedMappings("advise"))
        #expect(!HugePages.grantsAdvisedMappings("never"))
        #expect(!HugePages.grantsAdvisedMappings(nil))
        #expect(HugePages.shmemSetting(path: "/nonexistent") == nil)
    }

    /// The `VmFlags` of the mapping that starts at `address`, from /proc/self/smaps.
    static func vmFlags(of address: UnsafeRawPointer) throws -> [String] {
        let smaps = try Self.contents(of: "/proc/self/smaps")
        let start = String(UInt(bitPattern: address), radix: 16)
        var inMapping = false
        for line in smaps.split(separator: "\n") {
            if let dash = line.firstIndex(of: "-"), !line.hasPrefix("VmFlags"), line.first?.isHexDigit == true,
               line[..<dash].allSatisfy(\.isHexDigit) {
                inMapping = line[..<dash].drop(while: { $0 == "0" }) == start
            } else if inMapping, line.hasPrefix("VmFlags:") {
                return line.dropFirst("VmFlags:".count).split(separator: " ").map(String.init)
            }
        }
        throw SystemCallError("smaps", context: "no mapping starts at \(start)")
    }

    /// A /proc file read to its end (they report size 0).
    static func contents(of path: String) throws -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw SystemCallError("open", context: path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
