import FoveaKernels
import FoveaProtocol

/// Sources a call is planned against: an 8K photograph, a one-pixel grey image, a small RGBA
/// image rotated by its EXIF orientation.
private let sources = [
    SourceImage(handle: "sha256:" + String(repeating: "a", count: 64), width: 7680, height: 4320, bands: 3, format: "jpeg"),
    SourceImage(handle: "sha256:" + String(repeating: "b", count: 64), width: 1, height: 1, bands: 1, format: "png"),
    SourceImage(handle: "sha256:" + String(repeating: "c", count: 64), width: 300, height: 200, bands: 4, format: "webp", orientation: 6),
]

/// One client line, as the daemon reads it: JSON-RPC; for `tools/call`, the tool's argument
/// validation (the code tool's too) and planning under each preset. Invariants:
/// - every refusal has a message a model can read;
/// - every plan the planner makes passes the worker's own check (``ImagePlan/validate(source:)``),
///   so a valid call never fails inside a worker;
/// - every job survives the channel: its request, written and read back, is the same request.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzToolCall(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    check(RPCMessage.parse(UnsafeRawBufferPointer(start: data, count: size)))
    return 0
}

/// One parsed message; each element of a batch (MCP 2025-03-26) as a line of its own.
private func check(_ incoming: Result<RPCIncoming, RPCFailure>) {
    let request: RPCRequest
    switch incoming {
    case .failure(let failure):
        precondition(!failure.error.message.isEmpty, "an RPC failure without a message")
        return
    case .success(.response):
        return
    case .success(.batch(let items)):
        precondition(!items.isEmpty, "an empty batch was accepted")
        items.forEach(check)
        return
    case .success(.request(let parsed)):
        request = parsed
    }
    guard request.method == "tools/call" else { return }
    let params: [String: JSONValue]
    do {
        params = try request.namedParams()
    } catch {
        precondition(!error.message.isEmpty, "a params error without a message")
        return
    }
    if case .string(let name)? = params["name"], ToolCatalog.isCode(name) {
        checkCode(params)
        return
    }
    for preset in Preset.all {
        checkImageTool(params, defaults: ToolDefaults(preset: preset))
    }
}

private func checkCode(_ params: [String: JSONValue]) {
    guard case .object(let arguments)? = params["arguments"] else { return }
    do {
        let parsed = try CodeArguments.parse(arguments, defaults: CodeDefaults())
        precondition(parsed.code.utf8.count <= CodeLimits.maximumCodeBytes, "code over its limit was accepted")
        precondition(parsed.images.count <= CodeLimits.maximumInputImages, "too many images were accepted")
        precondition(parsed.timeout > 0 && parsed.timeout <= CodeDefaults().deadline, "timeout \(parsed.timeout) was accepted")
    } catch {
        precondition(!error.message.isEmpty, "a code argument error without a message")
        _ = ToolResult.failure(error)
    }
}

private func checkImageTool(_ params: [String: JSONValue], defaults: ToolDefaults) {
    let call: ToolCall
    do {
        call = try ToolCall.parse(params: params, defaults: defaults)
    } catch {
        switch error {
        case .protocolError(let rpc): precondition(!rpc.message.isEmpty, "a protocol error without a message")
        case .tool(let tool):
            precondition(!tool.message.isEmpty, "a tool error without a message")
            _ = ToolResult.failure(tool)
        }
        return
    }
    for source in sources {
        let planned: PlannedCall
        do {
            planned = try ToolPlanner.plan(call, source: source, defaults: defaults)
        } catch {
            precondition(!error.message.isEmpty, "a planning error without a message")
            continue
        }
        let layout = PixelLayout(width: source.width, height: source.height, bands: source.bands)
        for (index, plan) in planned.jobs.enumerated() {
            do {
                try plan.validate(source: layout)
            } catch {
                preconditionFailure("\(call.toolName) planned job \(index) that a worker refuses: \(error) (source \(layout))")
            }
            let job = WorkerRequest.run(id: UInt64(index + 1), source: layout, plan: plan)
            let text = JSONWriter.bytes(job.json)
            do {
                let read = try WorkerRequest(json: JSONParser.parse(text))
                precondition(read == job, "\(call.toolName) job \(index) changed on the channel: \(String(decoding: text.prefix(300), as: UTF8.self))")
            } catch {
                preconditionFailure("\(call.toolName) job \(index) does not read back: \(error)")
            }
            precondition(text.count <= 64 * 1024, "\(call.toolName) job \(index) is \(text.count) bytes, over a channel message")
        }
    }
}
