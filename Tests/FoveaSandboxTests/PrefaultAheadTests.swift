import Glibc
import Testing
@testable import FoveaSandbox

/// The decode's memfd faulted in ahead of the decoder, on a thread of its own.
@Suite struct PrefaultAheadTests {
    /// The thread faults in every page of the memfd (mincore: resident) while a writer fills
    /// the first rows at the same time, and not one written byte changes.
    @Test func itFaultsInTheWholeMemfdWithoutTouchingWhatTheWriterWrote() throws {
        let size = 48 << 20
        let memfd = try WritableMemfd(name: "prefault-test", size: size)
        let prefault = PrefaultAhead(memfd.bytes)
        let written = 8 << 20
        for offset in stride(from: 0, to: written, by: 4096) { memfd.bytes[offset] = UInt8(truncatingIfNeeded: offset / 4096 &+ 1) }
        var resident = 0
        for _ in 0..<500 {
            resident = Self.residentBytes(memfd.bytes)
            if resident >= size { break }
            usleep(2000)
        }
        prefault.stop()
        #expect(resident >= size, "\(resident) of \(size) bytes faulted in")
        for offset in stride(from: 0, to: written, by: 4096) {
            #expect(memfd.bytes[offset] == UInt8(truncatingIfNeeded: offset / 4096 &+ 1))
            if memfd.bytes[offset] != UInt8(truncatingIfNeeded: offset / 4096 &+ 1) { break }
        }
        #expect(memfd.bytes[written + 4096] == 0)  // populated pages read as zeros
    }

    @Test func aSmallRegionStartsNoThreadAndStopIsHarmlessTwice() throws {
        let memfd = try WritableMemfd(name: "prefault-small", size: 1 << 20)
        let prefault = PrefaultAhead(memfd.bytes)
        prefault.stop()
        prefault.stop()
        #expect(Self.residentBytes(memfd.bytes) == 0, "a small region was faulted in")
    }

    static func residentBytes(_ region: UnsafeMutableRawBufferPointer) -> Int {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var vector = [UInt8](repeating: 0, count: (region.count + page - 1) / page)
        guard mincore(region.baseAddress, region.count, &vector) == 0 else { return -1 }
        return vector.reduce(0) { $0 + Int($1 & 1) } * page
    }
}
