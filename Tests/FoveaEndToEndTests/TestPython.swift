import Foundation

/// The end-to-end tests' own Python environment: the official MCP Python SDK and jsonschema
/// (`Python/requirements.txt`, pinned) in `.venv-tests` beside the repository (gitignored),
/// made by `scripts/setup-test-env.sh`, which `scripts/bootstrap.sh --test` runs.
enum TestPython {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let directory = repository + "/.venv-tests"
    static let requirements = repository + "/Tests/FoveaEndToEndTests/Python/requirements.txt"
    static let scripts = repository + "/Tests/FoveaEndToEndTests/Python"

    /// The environment's interpreter, or why it cannot be used: missing, or made from other
    /// requirements than the ones checked in.
    static var python: Result<String, Subprocess.Failure> {
        let interpreter = directory + "/bin/python"
        let wanted = FileManager.default.contents(atPath: requirements)
        guard FileManager.default.isExecutableFile(atPath: interpreter) else {
            return .failure(Subprocess.Failure("\(directory) does not exist: run scripts/setup-test-env.sh (scripts/bootstrap.sh --test runs it)"))
        }
        guard wanted != nil, FileManager.default.contents(atPath: directory + "/requirements.txt") == wanted else {
            return .failure(Subprocess.Failure("\(directory) was made from other requirements than \(requirements): run scripts/setup-test-env.sh"))
        }
        return .success(interpreter)
    }
}

extension Subprocess {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
