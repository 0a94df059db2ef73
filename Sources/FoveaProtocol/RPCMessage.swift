/// JSON-RPC 2.0 error codes, standard and Fovea's own (SPEC §1).
public enum RPCErrorCode: Int, Sendable {
    case parseError = -32700
    case invalidRequest = -32600
    case methodNotFound = -32601
    case invalidParams = -32602
    case internalError = -32603
    /// The queue is full; retry later.
    case overloaded = -32001
    /// The call ran past its deadline (used where no tool result can carry it).
    case deadlineExceeded = -32002
    /// The worker running the call died (used where no tool result can carry it).
    case workerLost = -32003
}

/// A protocol error: answered as a JSON-RPC `error` object. Tool failures are not these; they
/// are results with `isError: true` (see ``ToolError``).
public struct RPCError: Error, Sendable, Equatable {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(_ code: RPCErrorCode, _ message: String, data: JSONValue? = nil) {
        self.code = code.rawValue
        self.message = message
        self.data = data
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["code": .int(code), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }
}

/// One request or notification read off the wire.
public struct RPCRequest: Sendable, Equatable {
    /// `nil` for a notification (no `id` member): it gets no response.
    public var id: JSONValue?
    public var method: String
    public var params: JSONValue?

    public init(id: JSONValue?, method: String, params: JSONValue? = nil) {
        self.id = id
        self.method = method
        self.params = params
    }

    public var isNotification: Bool { id == nil }

    /// The params object, or an empty one when absent; `-32602` when params is not an object.
    public func namedParams() throws(RPCError) -> [String: JSONValue] {
        switch params {
        case nil, .null?: return [:]
        case .object(let members)?: return members
        case let other?:
            throw RPCError(.invalidParams, "params of \(method) must be an object; received \(other.typeName)")
        }
    }
}

/// A line that could not become a request, with the id to answer to (null when unknown).
public struct RPCFailure: Error, Sendable, Equatable {
    public var id: JSONValue
    public var error: RPCError
}

/// What one wire line turned out to be.
public enum RPCIncoming: Sendable, Equatable {
    case request(RPCRequest)
    /// A JSON-RPC response from the client; Fovea sends no requests, so these are dropped.
    case response
    /// A JSON-RPC batch (an array of messages, MCP 2025-03-26): each element as a line
    /// would be, answered together in one array.
    case batch([Result<RPCIncoming, RPCFailure>])
}

public enum RPCMessage {
    /// Parses one line (without its newline) into a request.
    public static func parse(_ line: UnsafeRawBufferPointer, maximumDepth: Int = JSONParser.defaultMaximumDepth) -> Result<RPCIncoming, RPCFailure> {
        let value: JSONValue
        do {
            value = try JSONParser.parse(line, maximumDepth: maximumDepth)
        } catch {
            return .failure(RPCFailure(id: .null, error: RPCError(.parseError, "parse error: \(error)")))
        }
        return interpret(value)
    }

    public static func parse(_ line: String) -> Result<RPCIncoming, RPCFailure> {
        var line = line
        return line.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    static func interpret(_ value: JSONValue) -> Result<RPCIncoming, RPCFailure> {
        if case .array(let elements) = value {
            guard !elements.isEmpty else {
                return .failure(RPCFailure(id: .null, error: RPCError(.invalidRequest, "an empty batch; a batch is an array of one or more JSON-RPC messages")))
            }
            return .success(.batch(elements.map(interpretOne)))
        }
        return interpretOne(value)
    }

    /// One message: a line's, or one element of a batch (where an array is not a message).
    static func interpretOne(_ value: JSONValue) -> Result<RPCIncoming, RPCFailure> {
        guard case .object(let members) = value else {
            let reason = "a JSON-RPC message must be an object; received \(value.typeName)"
            return .failure(RPCFailure(id: .null, error: RPCError(.invalidRequest, reason)))
        }
        var id: JSONValue? = members["id"]
        if let given = id {
            switch given {
            case .integer, .string, .null: break
            case .double(let d) where d.rounded(.towardZero) == d: id = .number(d)
            default:
                return .failure(RPCFailure(id: .null, error: RPCError(
                    .invalidRequest, "id must be a string, an integer or null; received \(given.typeName)")))
            }
        }
        let answerTo = id ?? .null
        guard members["jsonrpc"] == .string("2.0") else {
            return .failure(RPCFailure(id: answerTo, error: RPCError(
                .invalidRequest, "jsonrpc must be \"2.0\"; received \(members["jsonrpc"].map { JSONWriter.string($0) } ?? "nothing")")))
        }
        guard let methodValue = members["method"] else {
            if members["result"] != nil || members["error"] != nil { return .success(.response) }
            return .failure(RPCFailure(id: answerTo, error: RPCError(.invalidRequest, "method is missing")))
        }
        guard case .string(let method) = methodValue else {
            return .failure(RPCFailure(id: answerTo, error: RPCError(
                .invalidRequest, "method must be a string; received \(methodValue.typeName)")))
        }
        return .success(.request(RPCRequest(id: id, method: method, params: members["params"])))
    }

    /// `{"jsonrpc":"2.0","id":…,"result":…}`
    public static func response(id: JSONValue, result: JSONValue) -> JSONValue {
        .object(["jsonrpc": "2.0", "id": id, "result": result])
    }

    /// `{"jsonrpc":"2.0","id":…,"error":{…}}`
    public static func errorResponse(id: JSONValue, error: RPCError) -> JSONValue {
        .object(["jsonrpc": "2.0", "id": id, "error": error.json])
    }
}
