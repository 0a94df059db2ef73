import CLinux
import Glibc
import Testing
@testable import FoveaSandbox

/// Scratch memfds: the supervisor lends one per output; the worker shrinks, fills and seals
/// it; the supervisor accepts back only that very file, sealed, of the declared size.
@Suite struct ScratchMemfdTests {
    @Test func aWorkerShrinksFillsAndSealsTheScratchItWasLent() throws {
        let scratch = try ScratchMemfd(name: "test-scratch", capacity: 1 << 30)  // sparse: costs nothing
        let lent = dup(scratch.descriptor.rawValue)  // what SCM_RIGHTS gives the worker
        let writable = try WritableMemfd(fillingScratch: lent, size: 5)
        writable.bytes.copyBytes(from: [1, 2, 3, 4, 5])
        let sealed = try writable.seal()
        let returned = dup(sealed.descriptor.rawValue)
        #expect(scratch.isSameFile(as: returned))
        let adopted = try SealedMemfd.adopt(returned, expectedSize: 5)
        let mapping = try adopted.mapReadOnly()
        #expect(Array(mapping.bytes) == [1, 2, 3, 4, 5])
    }

    @Test func anOutputLargerThanTheScratchIsRefused() throws {
        let scratch = try ScratchMemfd(name: "test-scratch", capacity: 16)
        #expect(throws: MemfdRejection("an output of 17 bytes does not fit the 16-byte scratch memfd")) {
            try WritableMemfd(fillingScratch: dup(scratch.descriptor.rawValue), size: 17)
        }
    }

    @Test func aSealedOrForeignDescriptorIsNotScratch() throws {
        let sealed = try SealedMemfd.create(name: "sealed", copying: UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(throws: MemfdRejection.self) { try WritableMemfd(fillingScratch: dup(sealed.descriptor.rawValue), size: 0) }
        var pipeEnds: [Int32] = [-1, -1]
        #expect(pipe(&pipeEnds) == 0)
        close(pipeEnds[1])
        #expect(throws: MemfdRejection.self) { try WritableMemfd(fillingScratch: pipeEnds[0], size: 0) }
    }

    @Test func anotherMemfdIsNotTheScratchThatWasLent() throws {
        let lent = try ScratchMemfd(name: "lent", capacity: 64)
        let other = try ScratchMemfd(name: "other", capacity: 64)
        #expect(!lent.isSameFile(as: other.descriptor.rawValue))
        #expect(lent.isSameFile(as: lent.descriptor.rawValue))
        #expect(!lent.isSameFile(as: -1))
    }
}
