import CLinux
import Foundation
@testable import FoveaServer
import Testing

/// The daemon's malloc settings (AllocatorTuning): glibc accepts them, and `malloc_trim` gives
/// back free pages that lie below a block still in use (which the top-of-heap trim cannot).
@Suite(.serialized) struct AllocatorTuningTests {
    static func anonymousResidentBytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    @Test func glibcAcceptsTheSettings() {
        #expect(AllocatorTuning.apply())
    }

    @Test func trimmingReturnsFreePagesBelowALiveBlock() {
        #expect(AllocatorTuning.apply())
        // 160 MB in 64 KiB blocks (below the mmap threshold: from the heap), touched, then all
        // freed but the last, which pins the top of the heap.
        var blocks: [UnsafeMutableRawPointer] = []
        for _ in 0..<2560 {
            let block = malloc(64 << 10)!
            memset(block, 0x5A, 64 << 10)
            blocks.append(block)
        }
        for block in blocks.dropLast() { free(block) }
        let before = Self.anonymousResidentBytes()
        _ = fovea_malloc_trim()
        let after = Self.anonymousResidentBytes()
        free(blocks.last!)
        #expect(before - after > 100 << 20, "RssAnon \(before >> 20) MB before malloc_trim, \(after >> 20) MB after")
    }
}
