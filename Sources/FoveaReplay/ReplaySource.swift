import Foundation
import FoveaProtocol

/// What `fovea replay FILE` was given, told apart by content: Fovea's trajectory log (a
/// directory, or a `calls.jsonl` whose lines have `"type"`), or the R1V4 toolkit's results
/// (lines with `"response"`).
public enum ReplaySource {
    public static func load(path: String, imageDirectory: String? = nil) throws -> (kind: String, cases: [ReplayCase]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReplayError("FILE \(path) does not exist; give the R1V4 toolkit's result JSONL (fovea-agent's --output) or a Fovea trajectory-log directory (--trajectory-log DIR), a segment of it or its calls.jsonl")
        }
        if isDirectory.boolValue { return ("Fovea trajectory log", try FoveaLogReader.load(path: path)) }
        guard let first = try lines(of: path).first, let value = try? JSONParser.parse(first) else {
            throw ReplayError("\(path) is empty or its first line is not JSON; give the R1V4 toolkit's result JSONL or a Fovea trajectory-log directory")
        }
        if value["type"] != nil { return ("Fovea trajectory log", try FoveaLogReader.load(path: path)) }
        if value["response"] != nil || value["question"] != nil {
            return ("R1V4 toolkit results", try R1V4Results.load(path: path, imageDirectory: imageDirectory))
        }
        throw ReplayError("\(path): its first line is neither a Fovea trajectory-log record (with \"type\") nor an R1V4 toolkit result (with \"response\")")
    }

    /// The file's non-empty lines.
    static func lines(of path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ReplayError("cannot read \(path)") }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
            .map(String.init).filter { !$0.allSatisfy(\.isWhitespace) }
    }
}

/// A replay that cannot start: the sentence says what to fix.
public struct ReplayError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
