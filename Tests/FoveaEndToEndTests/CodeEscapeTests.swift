import Foundation
import FoveaClient
import FoveaProtocol
import Testing

/// Model code that tries to get out, through the real daemon. For each attempt: what the model
/// reads (the exception Python raises, or the sandbox's sentence when the filter kills the
/// interpreter), and from outside that nothing happened; the daemon, the template and another
/// session keep answering. Then, from outside, every session process's confinement.
@Suite(.serialized) struct CodeEscapeTests {
    struct Attempt: Sendable, CustomStringConvertible {
        var name: String
        var code: String
        /// The error type the model reads (`nil`: the code runs without raising).
        var error: String?
        var timeout: Double? = nil
        var description: String { name }
    }

    static let marker = "fovea-escape-\(getpid())"

    /// The attempts; `DAEMON_PID`, `TEMPLATE_PID` and `MARKER` are filled in.
    static let attempts: [Attempt] = [
        Attempt(name: "read /etc/passwd", code: "print(open('/etc/passwd').read())", error: "PermissionError"),
        Attempt(name: "read /proc/1/environ", code: "print(open('/proc/1/environ').read())", error: "FileNotFoundError"),
        Attempt(name: "read the daemon's memory", code: "print(open('/proc/DAEMON_PID/mem', 'rb').read(16))", error: "FileNotFoundError"),
        Attempt(name: "list /", code: "import os\nprint(os.listdir('/'))", error: "PermissionError"),
        Attempt(name: "write outside the working directory", code: "open('/MARKER', 'w').write('x')", error: "OSError"),  // EROFS: the private root is read-only
        // No /tmp in the private root, unless the repository (whose runner and virtual
        // environment are mounted read-only at their own paths) lies under /tmp: then it is read-only.
        Attempt(name: "write into the host's /tmp", code: "open('/tmp/MARKER', 'w').write('x')",
                error: #filePath.hasPrefix("/tmp/") ? "OSError" : "FileNotFoundError"),
        Attempt(name: "open a socket", code: "import socket\nsocket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(('127.0.0.1', 22))", error: "PermissionError"),
        Attempt(name: "connect to the daemon's socket", code: "import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect('SOCKET_PATH')", error: "PermissionError"),
        Attempt(name: "subprocess", code: "import subprocess\nprint(subprocess.run(['id'], capture_output=True).stdout)", error: "PermissionError"),
        Attempt(name: "os.system", code: "import os\nstatus = os.system('touch /tmp/MARKER')\nprint(status != 0)", error: nil),
        Attempt(name: "os.execv", code: "import os\nos.execv('/bin/sh', ['sh', '-c', 'touch /tmp/MARKER'])", error: "PermissionError"),
        Attempt(name: "fork bomb", code: "import os\nwhile True:\n    os.fork()", error: "PermissionError"),
        Attempt(name: "ptrace through ctypes", code: "import ctypes\nctypes.CDLL(None).syscall(101, 0, 0, 0, 0)", error: "PermissionError"),
        Attempt(name: "mount through ctypes", code: "import ctypes\nctypes.CDLL(None).syscall(165, b'none', b'/tmp', b'tmpfs', 0, None)", error: "PermissionError"),
        Attempt(name: "unshare through ctypes", code: "import ctypes\nctypes.CDLL(None).syscall(272, 0x10000000)", error: "PermissionError"),
        Attempt(name: "bpf through ctypes", code: "import ctypes\nctypes.CDLL(None).syscall(321, 0, None, 0)", error: "PermissionError"),
        Attempt(name: "kill the daemon", code: "import os, signal\nos.kill(DAEMON_PID, signal.SIGKILL)", error: "PermissionError"),
        Attempt(name: "kill the template", code: "import os, signal\nos.kill(TEMPLATE_PID, signal.SIGKILL)", error: "PermissionError"),
        Attempt(name: "memory bomb", code: "hoard = bytearray(64 * 2**30)", error: "MemoryError"),
        Attempt(name: "endless loop", code: "while True:\n    pass", error: "TimeoutError", timeout: 1),
        Attempt(name: "fill the working directory", code: "chunk = b'x' * 2**20\nwith open('fill.bin', 'wb') as f:\n    for _ in range(2048):\n        f.write(chunk)", error: "OSError"),
        Attempt(name: "100 MB of stdout", code: "import sys\nfor _ in range(100):\n    sys.stdout.write('y' * 2**20)\nprint('done')", error: nil),
        Attempt(name: "2 000 figures", code: "for i in range(2000):\n    plt.figure()\nplt.show()", error: nil),
        Attempt(name: "deep recursion crashing the interpreter",
                code: "import sys\nsys.setrecursionlimit(10**7)\nnest = []\nfor _ in range(10**6):\n    nest = [nest]\nprint(len(repr(nest)))", error: "SystemError"),
    ]

    @Test func everyEscapeIsContainedAndEverythingElseKeepsAnswering() throws {
        let daemon = try Daemon(workers: 1, arguments: ["--code-deadline", "20"])
        defer { daemon.stop() }
        let client = try daemon.client()
        let witness = try CodeToolTests.code(client, "treasure = 'kept'", session: "witness")
        #expect(witness["isError"] == false)
        let templatePID = try #require(try client.call("server/stats")["code"]?["template_pid"]?.intValue)
        let daemonPID = Int(daemon.process.processIdentifier)
        for attempt in Self.attempts {
            let code = attempt.code.replacingOccurrences(of: "DAEMON_PID", with: "\(daemonPID)")
                .replacingOccurrences(of: "TEMPLATE_PID", with: "\(templatePID)")
                .replacingOccurrences(of: "MARKER", with: Self.marker)
                .replacingOccurrences(of: "SOCKET_PATH", with: daemon.socketPath)
            let session = "escape-\(attempt.name.filter { $0.isLetter || $0.isNumber })"
            let result = try CodeToolTests.code(client, code, session: session, conventions: "r1v4", timeout: attempt.timeout)
            let error = result["structuredContent"]?["error"]?["type"]?.stringValue
            if let expected = attempt.error {
                #expect(error == expected, "\(attempt): \(result.toolText ?? "\(result)")")
            } else {
                #expect(result["isError"] == false, "\(attempt): \(result.toolText ?? "\(result)")")
            }
            // Nothing happened outside, and everything else answers.
            #expect(!FileManager.default.fileExists(atPath: "/tmp/\(Self.marker)") && !FileManager.default.fileExists(atPath: "/\(Self.marker)"),
                    "\(attempt) wrote on the host")
            #expect(kill(daemon.process.processIdentifier, 0) == 0 && kill(Int32(templatePID), 0) == 0, "\(attempt)")
            #expect(try client.call("ping") == [:], "\(attempt)")
            let kept = try CodeToolTests.code(client, "print(treasure)", session: "witness")
            #expect(kept["structuredContent"]?["stdout"] == "kept\n", "after \(attempt): \(kept)")
            _ = try client.call("sessions/close", params: ["session": .string(session)])
        }
        // What a session cannot see of another: its variables and its files.
        _ = try CodeToolTests.code(client, "import os\nmine = 1\nopen('private.txt', 'w').write('secret')\nprint(os.getcwd())", session: "owner")
        let snoop = try CodeToolTests.code(client, "import os\nprint(os.listdir('.'))\nprint(open('private.txt').read())", session: "snoop")
        #expect(snoop["structuredContent"]?["error"]?["type"] == "FileNotFoundError", "\(snoop)")
        let vars = try CodeToolTests.code(client, "print(mine)", session: "snoop")
        #expect(vars["structuredContent"]?["error"]?["type"] == "NameError")
    }

    /// From outside, while two sessions are alive: every thread of every interpreter is filtered
    /// (`Seccomp: 2`), has no-new-privs, runs as a uid that is neither root's nor the daemon's
    /// (each session its own), in its own pid, net and mount namespaces, and holds only its
    /// channel, memfds, and /dev/null on descriptors 0–2 (so a C library writing to stderr never
    /// writes into a file the code opened).
    @Test func everySessionProcessIsConfinedAsSeenFromOutside() throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let client = try daemon.client()
        let handle = try client.put(Sandbox.goodPNG)
        for session in ["one", "two"] {
            let result = try CodeToolTests.code(client, "import threading\nimport numpy as np\nx = np.array(image)\nt = threading.Thread(target=lambda: None)\nt.start(); t.join()",
                                                session: session, images: [.string(handle)])
            #expect(result["isError"] == false, "\(result)")
        }
        let sessions = try client.call("server/stats")["code"]?["sessions"]?.arrayValue ?? []
        let pids = sessions.compactMap { $0["pid"]?.intValue.map(Int32.init) }
        #expect(pids.count == 2)
        let daemonPID = daemon.process.processIdentifier
        var uids: Set<String> = []
        for pid in pids {
            for tid in Sandbox.threads(of: pid) {
                let status = Sandbox.status("/proc/\(pid)/task/\(tid)/status")
                #expect(status["Seccomp"] == "2", "interpreter \(pid) thread \(tid): Seccomp \(status["Seccomp"] ?? "?")")
                #expect(status["NoNewPrivs"] == "1", "interpreter \(pid) thread \(tid)")
                let ids = (status["Uid"] ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
                #expect(ids.count == 4 && ids.allSatisfy { $0 != "0" && $0 != "\(getuid())" }, "interpreter \(pid) uids \(ids)")
                uids.formUnion(ids)
                #expect(status["CapEff"] == "0000000000000000", "interpreter \(pid) thread \(tid)")
            }
            for kind in ["pid", "net", "mnt", "user", "ipc"] {
                let own = Sandbox.namespace(kind, of: pid), daemons = Sandbox.namespace(kind, of: daemonPID)
                #expect(own != nil && own != daemons, "interpreter \(pid) \(kind) namespace \(own ?? "?")")
            }
            for (fd, target) in Sandbox.descriptors(of: pid) {
                let allowed = target.hasPrefix("socket:") && fd == "3" || target.hasPrefix("/memfd:")
                    || (["0", "1", "2"].contains(fd) && target == "/dev/null")
                #expect(allowed, "interpreter \(pid) fd \(fd) → \(target)")
            }
        }
        #expect(uids.count == 2, "the two sessions share a uid: \(uids)")
    }
}
