import Foundation

/// The fields of `/proc/PID/status` (`Name: value`), values trimmed; empty when unreadable.
public enum ProcStatus {
    public static func fields(of pid: String) -> [String: String] {
        var fields: [String: String] = [:]
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return fields }
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }
}
