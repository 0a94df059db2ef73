/// Why the daemon cannot start with the options it was given, in words for the operator
/// (`--socket`, `--trajectory-log`, …).
struct StartupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
