import Foundation

/// The end-to-end tests' own Python environment: the official MCP Python SDK and jsonschema
/// (`Python/requirements.txt`, pinned). Made once in `.venv-tests` beside the repository
/// (gitignored; about a minute and a half of pip on a fresh machine) and made again only when
/// the requirements file changes; CI can cache the directory.
enum TestPython {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let directory = repository + "/.venv-tests"
    static let requirements = repository + "/Tests/FoveaEndToEndTests/Python/requirements.txt"
    static let scripts = repository + "/Tests/FoveaEndToEndTests/Python"

    /// The environment's interpreter, or why it could not be made (once per test run).
    static let python: Result<String, Subprocess.Failure> = Result { () throws(Subprocess.Failure) -> String in try prepare() }

    private static func prepare() throws(Subprocess.Failure) -> String {
        let interpreter = directory + "/bin/python"
        let stamp = directory + "/requirements.txt"
        let wanted = FileManager.default.contents(atPath: requirements)
        if wanted != nil, FileManager.default.contents(atPath: stamp) == wanted, FileManager.default.isExecutableFile(atPath: interpreter) {
            return interpreter
        }
        try? FileManager.default.removeItem(atPath: directory)
        for (executable, arguments) in [("/usr/bin/env", ["python3", "-m", "venv", directory]),
                                        (interpreter, ["-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", requirements])] {
            let (status, output) = try Subprocess.checked(executable, arguments)
            guard status == 0 else {
                throw Subprocess.Failure("\(executable) \(arguments.joined(separator: " ")) failed (\(status)): \(output.suffix(2000))")
            }
        }
        guard FileManager.default.createFile(atPath: stamp, contents: wanted) else { throw Subprocess.Failure("cannot write \(stamp)") }
        return interpreter
    }
}

extension Subprocess {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// ``run(_:_:)`` with its thrown error as a ``Failure``.
    static func checked(_ executable: String, _ arguments: [String]) throws(Failure) -> (status: Int32, output: String) {
        do {
            return try run(executable, arguments)
        } catch {
            throw Failure("\(executable) could not be started: \(error)")
        }
    }
}
