import Foundation
import FoveaClient
import FoveaProtocol
import Testing

/// The `code` tool through the real daemon: real template, real sandboxed interpreters (their
/// own uid and namespaces, Landlock, `policies/code.policy`), the corpus of family snippets
/// against each family's own harness, sessions, and every escape the issue names.
@Suite(.serialized) struct CodeToolTests {
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    static var python: String { repository.appendingPathComponent(".venv-code/bin/python").path }
    static var fidelity: URL { repository.appendingPathComponent("Tests/CodeFidelity") }

    /// Runs `source` in the daemon's code tool.
    static func code(_ client: FoveaClient, _ source: String, session: String? = nil, conventions: String = "plain",
                     timeout: Double? = nil, images: [JSONValue] = []) throws -> JSONValue {
        var arguments: [String: JSONValue] = ["code": .string(source), "conventions": .string(conventions)]
        if let session { arguments["session"] = .string(session) }
        if let timeout { arguments["timeout"] = .number(timeout) }
        if !images.isEmpty { arguments["images"] = .array(images) }
        return try client.tool("code", .object(arguments))
    }

    @Test func theCodeToolIsListedWithItsSchemas() throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let tools = try daemon.client().call("tools/list")["tools"]?.arrayValue ?? []
        let code = try #require(tools.first { $0["name"] == "code" })
        #expect(code["inputSchema"]?["required"] == ["code"])
        #expect(code["outputSchema"]?["type"] == "object")
    }

    /// Every corpus snippet (≥ 60, in each family's style) through the daemon equals what the
    /// family's own harness returns in plain CPython (Tests/CodeFidelity/references): stdout,
    /// error type and message, the observation text, the number of images, each one's size and
    /// pixels. Both DeepEyesV2 harnesses: the training one (default) and the evaluation one.
    @Test func everyCorpusSnippetEqualsItsFamilysHarness() throws {
        let expected = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-reference-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: expected) }
        let reference = try Subprocess.run(Self.python, [Self.fidelity.appendingPathComponent("run_reference.py").path,
                                                         "--out", expected, "--jobs", "2", "--quiet"])
        try #require(reference.status == 0, "the references failed: \(reference.output)")
        for variant in ["rl", "eval"] {
            let daemon = try Daemon(workers: 2, arguments: ["--code-deepeyesv2-variant", variant])
            defer { daemon.stop() }
            let comparison = try Subprocess.run(Self.python, [Self.fidelity.appendingPathComponent("compare_daemon.py").path,
                                                              "--socket", daemon.socketPath, "--expected", expected,
                                                              "--deepeyesv2-variant", variant, "--jobs", "4"])
            #expect(comparison.status == 0, "\(comparison.output.split(separator: "\n").filter { !$0.hasPrefix("ok ") }.joined(separator: "\n"))")
            if variant == "rl" {
                let equal = comparison.output.split(separator: "\n").last.map(String.init) ?? ""
                #expect(equal.hasSuffix("snippets equal to their family's harness") && (Int(equal.prefix { $0.isNumber }) ?? 0) >= 60, "\(equal)")
            }
        }
    }

    @Test func sessionsKeepVariablesImportsAndFiguresAndNeverShareThem() throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let client = try daemon.client()
        // PyVision's harness keeps one namespace per trajectory, open figures included.
        #expect(try Self.code(client, "import json as J\nsecret = 42\nopen('note.txt', 'w').write('mine')\nfig = plt.figure()", session: "a",
                              conventions: "pyvision")["isError"] == false)
        let same = try Self.code(client, "print(secret, J.dumps([1]), open('note.txt').read(), plt.get_fignums())", session: "a",
                                 conventions: "pyvision")
        #expect(same["structuredContent"]?["stdout"] == "42 [1] mine [1]\n", "\(same)")
        let other = try Self.code(client, "print(secret)", session: "b")
        #expect(other["structuredContent"]?["error"]?["type"] == "NameError", "\(other)")
        let files = try Self.code(client, "import os\nprint(sorted(os.listdir('.')))\nopen('note.txt')", session: "b")
        #expect(files["structuredContent"]?["error"]?["type"] == "FileNotFoundError", "\(files)")
        let closed = try client.call("sessions/close", params: ["session": "a"])
        #expect(closed == ["session": "a", "closed": true])
        let after = try Self.code(client, "print(secret)", session: "a")
        #expect(after["structuredContent"]?["error"]?["type"] == "NameError", "a closed session's variables are gone")
    }

    @Test func aDeadlineStopsTheCodeAndTheSessionsNextCallStartsFreshSayingSo() throws {
        let daemon = try Daemon(workers: 1, arguments: ["--code-deadline", "3"])
        defer { daemon.stop() }
        let client = try daemon.client()
        _ = try Self.code(client, "kept = 1", session: "slow", conventions: "r1v4")
        let looped = try Self.code(client, "while True:\n    pass", session: "slow", conventions: "r1v4", timeout: 1)
        #expect(looped["isError"] == true)
        #expect(looped["structuredContent"]?["error"]?["type"] == "TimeoutError", "\(looped)")
        // A loop in C (one call that never returns to Python, so the runner's own timeout cannot
        // interrupt it) is killed by the supervisor.
        let native = try Self.code(client, "sum(range(10**13))", session: "slow2", conventions: "r1v4", timeout: 1)
        #expect(native["structuredContent"]?["error"]?["type"] == "TimeoutError", "\(native)")
        // The runner's own timeout: r1v4 starts the session's variables over (its rule).
        let next = try Self.code(client, "print('kept' in globals())", session: "slow", conventions: "r1v4")
        #expect(next["structuredContent"]?["stdout"] == "False\n", "\(next)")
        // The supervisor's kill: the interpreter is gone, and the next call says so.
        let afterKill = try Self.code(client, "print(1)", session: "slow2", conventions: "r1v4")
        #expect(afterKill["structuredContent"]?["fresh_session"] == true, "\(afterKill)")
        let text = afterKill.toolText ?? ""
        #expect(text.contains("this session's interpreter was stopped during an earlier call"), "\(text)")
    }

    @Test func fovea_call_codeRunsCodeOnAnImage() throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let image = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-call-\(UUID().uuidString.prefix(8)).png").path
        try Data(Sandbox.goodPNG).write(to: URL(fileURLWithPath: image))
        defer { try? FileManager.default.removeItem(atPath: image) }
        let run = try Subprocess.run(Daemon.executable, ["call", "code", "--socket", daemon.socketPath, "--image", image,
                                                         "--code", "print(image_1.size)"])
        #expect(run.status == 0)
        #expect(run.output == "{\"result\": \"(320, 240)\", \"type\": \"code\"}\n", "\(run.output)")
    }
}
