import ArgumentParser
import FoveaServer

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon on a Unix socket.",
        discussion: "Workers are started at once and replaced when they die. Stop with SIGINT or SIGTERM.")

    @Option(help: "Socket path (default $XDG_RUNTIME_DIR/fovea.sock, else /tmp/fovea-$UID/fovea.sock).")
    var socket: String?

    @OptionGroup var options: DaemonOptions

    func run() throws {
        let server = try options.makeServer(socketPath: socket ?? ServerConfiguration.defaultSocketPath)
        try server.start()
        try options.runUntilStopped(server)
    }
}
