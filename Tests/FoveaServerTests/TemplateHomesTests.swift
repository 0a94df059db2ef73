import Foundation
@testable import FoveaServer
import Glibc
import Testing

/// A daemon removes the code template homes that killed daemons left in the temporary
/// directory, and never one whose daemon still runs: the lock of a live process (here a real
/// `flock` process, killed with SIGKILL), and for homes without a lock file, the pid and age.
@Suite struct TemplateHomesTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "fovea-homes-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func names() -> Set<String> { Set((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []) }

    func makeDirectory(_ name: String, ageSeconds: Double = 0, lockFile: Bool = false) throws -> String {
        let path = directory + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        if lockFile { #expect(FileManager.default.createFile(atPath: path + "/" + TemplateHomes.lockName, contents: nil)) }
        let when = Date().addingTimeInterval(-ageSeconds)
        try FileManager.default.setAttributes([.modificationDate: when], ofItemAtPath: path)
        return path
    }

    /// The pid of a process that has exited and been reaped.
    static func deadPID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test func aLiveDaemonsHomeStaysAndItsOwnReleaseRemovesIt() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let home = try TemplateHomes.make(in: directory)
        #expect(home.path.hasPrefix(directory + "/fovea-code-\(getpid())-"))
        #expect(TemplateHomes.removeThoseOfStoppedDaemons(in: directory).isEmpty)
        #expect(FileManager.default.fileExists(atPath: home.path))
        home.release()
        #expect(!FileManager.default.fileExists(atPath: home.path))
    }

    @Test func aHomeIsRemovedOnceTheProcessHoldingItsLockIsKilled() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pid = try Self.deadPID()
        let path = try makeDirectory("fovea-code-\(pid)-77", lockFile: true)
        // A real process holds the lock, as a daemon does: util-linux's flock(1), which with
        // --no-fork becomes `sleep` holding it (a forked child would keep the lock after a kill).
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = ["--exclusive", "--no-fork", path + "/" + TemplateHomes.lockName, "sleep", "60"]
        try holder.run()
        defer { if holder.isRunning { kill(holder.processIdentifier, SIGKILL); holder.waitUntilExit() } }
        var locked = false
        for _ in 0..<200 where !locked {  // until flock(1) has taken the lock
            let probe = open(path + "/" + TemplateHomes.lockName, O_RDWR)
            locked = flock(probe, LOCK_EX | LOCK_NB) != 0
            close(probe)
            if !locked { usleep(10_000) }
        }
        #expect(locked)
        // Locked: kept, although no process has the pid in its name.
        #expect(TemplateHomes.removeThoseOfStoppedDaemons(in: directory).isEmpty)
        #expect(FileManager.default.fileExists(atPath: path))
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        #expect(TemplateHomes.removeThoseOfStoppedDaemons(in: directory) == ["fovea-code-\(pid)-77"])
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func homesWithoutALockGoOnlyWhenTheirPidIsUnusedAndTheyAreOld() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dead = try Self.deadPID()
        let old = TemplateHomes.unlockedAgeSeconds + 60
        _ = try makeDirectory("fovea-code-\(dead)-1", ageSeconds: old)  // removed
        _ = try makeDirectory("fovea-code-\(dead)-2", ageSeconds: 5)  // too new: maybe between mkdir and lock
        _ = try makeDirectory("fovea-code-\(getpid())-3", ageSeconds: old)  // its pid runs
        // Not a template home's name, or not a directory: never touched.
        _ = try makeDirectory("fovea-code-home-abc", ageSeconds: old)
        _ = try makeDirectory("fovea-code-\(dead)-x", ageSeconds: old)
        _ = try makeDirectory("fovea-code-\(dead)", ageSeconds: old)
        #expect(FileManager.default.createFile(atPath: directory + "/fovea-code-\(dead)-4", contents: Data("file".utf8)))
        let before = names()
        #expect(TemplateHomes.removeThoseOfStoppedDaemons(in: directory) == ["fovea-code-\(dead)-1"])
        #expect(names() == before.subtracting(["fovea-code-\(dead)-1"]))
    }
}
