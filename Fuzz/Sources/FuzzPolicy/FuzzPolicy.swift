import FoveaSandbox

/// Any text as a seccomp policy (policies/*.policy's language). What the parser accepts,
/// libseccomp compiles to a BPF program or refuses with an error naming the rule's line (the
/// parser leaves overlapping conditions to libseccomp: PolicyParserTests); any other failure,
/// or a compile that never returns, is a defect.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPolicy(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let policy = try? SeccompPolicy(parsing: text, source: "fuzz.policy") else { return 0 }
    do {
        let filter = try SeccompFilter(policy, context: PolicyContext(processID: 4242, channelDescriptor: 3, stderrDescriptor: 2))
        let program = try filter.exportBPF()
        precondition(program.count % 8 == 0 && !program.isEmpty, "a BPF program of \(program.count) bytes")
    } catch let error as PolicyError {
        precondition(error.line > 0 && error.message.hasPrefix("libseccomp refused the rule for"),
                     "a policy the parser accepted fails without naming a rule: \(error)")
    } catch {
        preconditionFailure("a policy the parser accepted does not export: \(error)\n\(text.prefix(500))")
    }
    return 0
}
