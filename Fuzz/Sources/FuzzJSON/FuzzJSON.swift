import FoveaProtocol

/// Any bytes as a JSON text. What the parser accepts must be written back by `JSONWriter` as a
/// text the parser accepts again, with the same value (numbers compared as the writer keeps
/// them: an integer stays an integer, a double the same double).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    let written = JSONWriter.string(value)
    let again: JSONValue
    do {
        again = try JSONParser.parse(written)
    } catch {
        fatalError("JSONWriter wrote a text JSONParser refuses (\(error)): \(written.prefix(300))")
    }
    guard again == value else {
        fatalError("a value changed through JSONWriter: \(written.prefix(300))")
    }
    return 0
}
