import ExtrasBase64
import Foundation
import FoveaClient
import FoveaProtocol
import Testing

/// `fovea fuzz` against real daemons: a healthy one passes, a broken one is caught.
@Suite struct FuzzCommandTests {
    /// Runs `fovea fuzz` to completion; its exit status and standard output.
    static func fuzz(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try Subprocess.run(Daemon.executable, ["fuzz"] + arguments)
    }

    /// Without test hooks, as in production: with them, the fuzzer's `debug/sandbox_probe`
    /// lines would make workers break their seccomp filter on purpose.
    @Test func aHealthyDaemonPassesEveryKindOfCall() throws {
        let daemon = try Daemon(workers: 2, testHooks: false)
        defer { daemon.stop() }
        let (status, output) = try Self.fuzz(["--socket", daemon.socketPath, "--seconds", "4", "--clients", "3", "--seed", "5"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("anomalies: none"), "\(output)")
        for category in ["valid", "mutated", "hostile"] {
            let line = output.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(category) }
            let count = line.flatMap { Int($0.split(separator: " ")[1].dropLast()) } ?? 0
            #expect(count > 0, "no \(category) calls in: \(output)")
        }
        #expect(output.contains("left mid-call"), "no client left mid-call: \(output)")
        #expect(try daemon.client().call("ping") == [:])
    }

    /// With the code tool: valid snippets in four families' styles must succeed, mutated code
    /// must get clear errors, and hostile code (escape attempts, bombs, broken syntax, huge
    /// outputs) must be contained, beside the image calls.
    @Test func codeCallsAreFuzzedToo() throws {
        let daemon = try Daemon(workers: 2, testHooks: false)
        defer { daemon.stop() }
        let (status, output) = try Self.fuzz(["--socket", daemon.socketPath, "--seconds", "120", "--calls", "40", "--clients", "3",
                                              "--seed", "7", "--code", "on", "--code-share", "0.6"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("anomalies: none"), "\(output)")
        let line = output.split(separator: "\n").first { $0.contains("code calls among them:") }
        #expect((line.flatMap { Int($0.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") } ?? 0) > 20, "\(output)")
    }

    @Test func aDaemonThatDiesDuringTheRunIsReported() throws {
        let daemon = try Daemon(workers: 1, testHooks: false)
        defer { daemon.stop() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Daemon.executable)
        process.arguments = ["fuzz", "--socket", daemon.socketPath, "--seconds", "4", "--clients", "2", "--answer-timeout", "5"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // Killed once the fuzzer's clients are calling tools (its set-up, which puts its images,
        // is over): the death must be found at the end, not at the start.
        let watcher = try daemon.client()
        for _ in 0..<1000 {
            let tools = try watcher.call("server/stats")["tools"]?.objectValue ?? [:]
            if tools.values.contains(where: { ($0["calls"]?.intValue ?? 0) > 0 }) { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(daemon.process.processIdentifier, SIGKILL)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "\(text)")
        #expect(text.contains("the daemon did not answer ping at the end"), "\(text)")
    }

    @Test func callsEndsTheRunAfterThatManyCallsPerClient() throws {
        let daemon = try Daemon(workers: 1, testHooks: false)
        defer { daemon.stop() }
        let (status, output) = try Self.fuzz(["--socket", daemon.socketPath, "--seconds", "300", "--calls", "7", "--clients", "2",
                                              "--seed", "3", "--code", "off"])
        #expect(status == 0, "\(output)")
        // 14 calls sent; an image no longer stored is put again and counted too.
        let calls = output.firstMatch(of: /: (\d+) calls \(/).flatMap { Int($0.1) }
        #expect((14...20).contains(calls ?? 0), "\(output)")
        let (rejected, text) = try Self.fuzz(["--socket", daemon.socketPath, "--calls", "0"])
        #expect(rejected != 0)
        #expect(text.contains("--calls must be positive, got 0"), "\(text)")
    }

    @Test func noDaemonIsACleanFailure() throws {
        let (status, output) = try Self.fuzz(["--socket", "/nonexistent/fovea.sock", "--seconds", "1"])
        #expect(status == 2)
        #expect(output.contains("cannot connect to /nonexistent/fovea.sock"), "\(output)")
    }
}

/// Error texts the fuzzer showed were unclear.
@Suite struct InputErrorTextTests {
    @Test func dataThatIsNotBase64IsExplainedInWords() throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let client = try daemon.client()
        #expect(throws: RPCFailureResponse.self) { try client.call("images/put", params: ["data": "!!!not base64!!!"]) }
        // Bad base64 must be refused: a put that succeeds fails the test, not only a wrong text.
        let badCharacter = #expect(throws: RPCFailureResponse.self) { try client.call("images/put", params: ["data": "QUJD!RA=="]) }
        #expect(badCharacter?.message.contains("'!' at character 4 is not in the base64 alphabet") == true, "\(String(describing: badCharacter))")
        #expect(badCharacter?.message.contains("DecodingError") == false, "\(String(describing: badCharacter))")
        let cutShort = #expect(throws: RPCFailureResponse.self) { try client.call("images/put", params: ["data": "QUJDRA="]) }
        #expect(cutShort?.message.contains("do not form whole 4-character groups") == true, "\(String(describing: cutShort))")
    }
}
