import FoveaSandbox

/// Any text as a seccomp policy (policies/*.policy's language). What the parser accepts,
/// libseccomp must compile to a BPF program (a rule it refuses is a parser that let it pass).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPolicy(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let policy = try? SeccompPolicy(parsing: text, source: "fuzz.policy") else { return 0 }
    do {
        let filter = try SeccompFilter(policy, context: PolicyContext(processID: 4242, channelDescriptor: 3, stderrDescriptor: 2))
        let program = try filter.exportBPF()
        precondition(program.count % 8 == 0 && !program.isEmpty, "a BPF program of \(program.count) bytes")
    } catch {
        preconditionFailure("a policy the parser accepted does not compile: \(error)\n\(text.prefix(500))")
    }
    return 0
}
