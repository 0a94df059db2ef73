/// Interpreter → supervisor, once, after the child has confined itself and before any run:
/// how it is sandboxed (SPEC §4.1), which the supervisor checks against `/proc` before it
/// trusts the child with a session. A child that could not confine itself sends only `error`
/// and exits. Read like every reply: bounded and sanitized, a child being presumed hostile.
public struct CodeChildHello: Sendable, Equatable {
    public var uid: Int
    public var gid: Int
    /// In the child's own PID namespace, so usually 1 or small.
    public var pid: Int
    /// Namespaces the child entered: `user`, `pid`, `net`, `ipc`, `mnt`.
    public var namespaces: [String]
    /// The Landlock ABI version in force (0: none).
    public var landlockABI: Int
    public var filter: Bool
    public var noNewPrivileges: Bool
    public var dumpable: Bool
    /// Resident memory in bytes when it said hello.
    public var rss: Int
    /// Why the child could not confine itself; it exits after sending this.
    public var error: String?

    public init(uid: Int, gid: Int, pid: Int, namespaces: [String], landlockABI: Int, filter: Bool, noNewPrivileges: Bool,
                dumpable: Bool, rss: Int) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.namespaces = namespaces
        self.landlockABI = landlockABI
        self.filter = filter
        self.noNewPrivileges = noNewPrivileges
        self.dumpable = dumpable
        self.rss = rss
    }

    /// A child that failed to confine itself.
    public static func failure(_ message: String) -> CodeChildHello {
        var hello = CodeChildHello(uid: -1, gid: -1, pid: -1, namespaces: [], landlockABI: 0, filter: false,
                                   noNewPrivileges: false, dumpable: true, rss: 0)
        hello.error = message
        return hello
    }

    public var json: JSONValue {
        if let error { return ["type": "hello", "error": .string(error)] }
        return ["type": "hello", "uid": .int(uid), "gid": .int(gid), "pid": .int(pid),
                "namespaces": .array(namespaces.map(JSONValue.string)), "landlockABI": .int(landlockABI),
                "filter": .bool(filter), "noNewPrivileges": .bool(noNewPrivileges), "dumpable": .bool(dumpable), "rss": .int(rss)]
    }

    public init(json: JSONValue) throws(ChannelMessageError) {
        guard try json.field("type").string() == "hello" else { throw ChannelMessageError("expected the interpreter's hello") }
        if let error = json.optionalField("error") {
            self = .failure(sanitized(try error.string(), limit: 300))
            return
        }
        func bounded(_ key: String, _ range: ClosedRange<Int>) throws(ChannelMessageError) -> Int {
            let value = try json.field(key).int()
            guard range.contains(value) else { throw ChannelMessageError("\(key) \(value) is out of range") }
            return value
        }
        guard case .array(let values) = try json.field("namespaces"), values.count <= 8 else {
            throw ChannelMessageError("namespaces must be an array of at most 8 strings")
        }
        var namespaces: [String] = []
        for value in values { namespaces.append(sanitized(try value.string(), limit: 8)) }
        self.init(uid: try bounded("uid", 0...Int(UInt32.max)), gid: try bounded("gid", 0...Int(UInt32.max)),
                  pid: try bounded("pid", 1...(1 << 22)), namespaces: namespaces,
                  landlockABI: try bounded("landlockABI", 0...64), filter: try json.flag("filter"),
                  noNewPrivileges: try json.flag("noNewPrivileges"), dumpable: try json.flag("dumpable"),
                  rss: try bounded("rss", 0...(1 << 50)))
    }
}

/// Any message an interpreter sends: its hello, the receipt of a run (`{"type": "started",
/// "id"}`, as a worker's), or the run's result.
public enum CodeChildMessage: Sendable, Equatable {
    case hello(CodeChildHello)
    case started(WorkerReceipt)
    case result(CodeRunReply)

    /// `pending`: the run in flight, which a result must answer.
    public init(json: JSONValue, pending: CodeRunRequest?, limits: DecodeLimits) throws(ChannelMessageError) {
        switch try json.field("type").string() {
        case "hello": self = .hello(try CodeChildHello(json: json))
        case "started": self = .started(try WorkerReceipt(json: json))
        case "result":
            guard let pending else { throw ChannelMessageError("a result with no run in flight") }
            self = .result(try CodeRunReply(json: json, request: pending, limits: limits))
        case let other:
            throw ChannelMessageError("unknown message type \(sanitized(other, limit: 20))")
        }
    }
}
