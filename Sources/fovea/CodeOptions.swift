import ArgumentParser
import Foundation
import FoveaServer

/// `fovea serve` / `fovea mcp` options of the `code` tool (docs/OPERATIONS.md, docs/CODE-RUNNER.md).
struct CodeOptions: ParsableArguments {
    @Option(name: .customLong("code-python"),
            help: "The Python of the code tool's environment (default: $FOVEA_CODE_PYTHON, else .venv-code/bin/python of the repository this binary was built in, which scripts/setup-code-env.sh makes).")
    var python: String?

    @Option(name: .customLong("code-runner"), help: "The directory holding the fovea_runner package (default: runner/ of the repository).")
    var runner: String?

    @Option(name: .customLong("code-conventions"),
            help: "Conventions of code calls that name none: r1v4, pyvision, deepeyesv2, thyme, sketchpad, plain.")
    var conventions: String = "r1v4"

    @Option(name: .customLong("code-deepeyesv2-variant"),
            help: "Which DeepEyesV2 harness the deepeyesv2 conventions imitate: rl (its training environment) or eval (its evaluation harness).")
    var deepEyesV2Variant: String = "rl"

    @Option(name: .customLong("code-deadline"), help: "Seconds a code call may run; a call's timeout may only lower it.")
    var deadline: Double = 30

    @Option(name: .customLong("max-sessions"), help: "Code sessions alive at once; the least recently used idle one ends first.")
    var maxSessions: Int = 256

    @Option(name: .customLong("session-idle"), help: "Seconds a code session lives without a call.")
    var sessionIdle: Double = 600

    @Option(name: .customLong("code-preload"), help: "A module the code tool's template imports besides the usual ones (repeatable).")
    var preload: [String] = []

    @Option(name: .customLong("code-slots"), help: "Code calls that run at once, each in its own interpreter.")
    var slots: Int = 8

    @Option(name: .customLong("code-memory"), help: "Each interpreter's address-space limit (RLIMIT_AS), e.g. 8G.")
    var memory: ByteCount = ByteCount(argument: "8G")!

    @Flag(name: .customLong("no-code"), help: "Serve no code tool.")
    var disabled = false

    static let conventionNames = ["r1v4", "pyvision", "deepeyesv2", "thyme", "sketchpad", "plain"]

    func validate() throws {
        guard Self.conventionNames.contains(conventions) else {
            throw ValidationError("--code-conventions \(conventions) is unknown; conventions: \(Self.conventionNames.joined(separator: ", "))")
        }
        guard ["rl", "eval"].contains(deepEyesV2Variant) else {
            throw ValidationError("--code-deepeyesv2-variant must be rl or eval, got \(deepEyesV2Variant)")
        }
        guard deadline > 0 && deadline <= 3600 else { throw ValidationError("--code-deadline must be 0...3600 seconds, got \(deadline)") }
        guard (1...100_000).contains(maxSessions) else { throw ValidationError("--max-sessions must be 1...100000, got \(maxSessions)") }
        guard sessionIdle > 0 else { throw ValidationError("--session-idle must be positive, got \(sessionIdle)") }
        guard (1...256).contains(slots) else { throw ValidationError("--code-slots must be 1...256, got \(slots)") }
        guard memory.bytes >= 1 << 30 else { throw ValidationError("--code-memory must be at least 1G (the imports alone reserve about that), got \(memory.bytes) bytes") }
        for module in preload where module.isEmpty || !module.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) {
            throw ValidationError("--code-preload \(module) is not a module name")
        }
    }

    /// The code tool's configuration, or why there is none (no Python environment found).
    func configuration(queueCapacity: Int) -> (CodeConfiguration?, reason: String?) {
        if disabled { return (nil, "--no-code") }
        let repository = Self.repositoryDirectory()
        let environment = ProcessInfo.processInfo.environment["FOVEA_CODE_PYTHON"]
        guard let python = python ?? environment ?? repository.map({ $0 + "/.venv-code/bin/python" }) else {
            return (nil, "no Python environment: pass --code-python (scripts/setup-code-env.sh makes one)")
        }
        guard FileManager.default.isExecutableFile(atPath: python) else {
            return (nil, "no Python at \(python): run scripts/setup-code-env.sh, or pass --code-python")
        }
        guard let runner = runner ?? repository.map({ $0 + "/runner" }),
              FileManager.default.fileExists(atPath: runner + "/fovea_runner/template.py") else {
            return (nil, "the runner (fovea_runner) was not found: pass --code-runner DIR")
        }
        var configuration = CodeConfiguration(python: python, runnerDirectory: runner)
        configuration.conventions = conventions
        configuration.deepEyesV2Variant = deepEyesV2Variant
        configuration.deadlineSeconds = deadline
        configuration.maxSessions = maxSessions
        configuration.sessionIdleSeconds = sessionIdle
        configuration.preload = preload
        configuration.slots = slots
        configuration.maxQueue = queueCapacity
        configuration.addressSpaceBytes = UInt64(memory.bytes)
        configuration.cpuSeconds = max(3600, Int(deadline * 20))
        return (configuration, nil)
    }

    /// The repository this binary was built in: the first directory above it holding
    /// `runner/fovea_runner` (`.build/release/fovea` → the checkout).
    static func repositoryDirectory() -> String? {
        var directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.path + "/runner/fovea_runner/template.py") { return directory.path }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }
}
