import ArgumentParser
import Glibc
import FoveaServer

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon on a Unix socket.",
        discussion: "Workers are started at once and replaced when they die. Stop with SIGINT or SIGTERM.")

    @Option(help: "Socket path (default $XDG_RUNTIME_DIR/fovea.sock, else /tmp/fovea-$UID/fovea.sock).")
    var socket: String?

    @Option(name: .customLong("socket-mode"),
            help: "Permissions of the socket file, in octal: 600 lets only this uid connect; 660 a group too (a Kubernetes pod's fsGroup, docs/OPERATIONS.md). Not used under socket activation, where fovea.socket's SocketMode= applies.")
    var socketMode = "600"

    @OptionGroup var options: DaemonOptions

    func validate() throws {
        guard Self.permissions(socketMode) != nil else {
            throw ValidationError("--socket-mode must be octal permissions from 000 to 777 (e.g. 600 or 660); received \"\(socketMode)\"")
        }
    }

    /// `660` → 0o660; nil unless one to four octal digits no greater than 777.
    static func permissions(_ text: String) -> mode_t? {
        guard (1...4).contains(text.count), let value = mode_t(text, radix: 8), value <= 0o777 else { return nil }
        return value
    }

    func run() throws {
        StopSignals.block()  // before any thread starts: see StopSignals
        let server = try options.makeServer(socketPath: socket ?? ServerConfiguration.defaultSocketPath,
                                            socketMode: Self.permissions(socketMode) ?? 0o600)
        try server.start()
        try options.runUntilStopped(server)
    }
}
