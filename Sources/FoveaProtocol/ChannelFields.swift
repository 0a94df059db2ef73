import FoveaKernels

/// A channel message that does not have the expected shape. Worker replies are read with
/// these strict accessors because a worker is presumed compromised.
public struct ChannelMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension JSONValue {
    func field(_ key: String) throws(ChannelMessageError) -> JSONValue {
        guard let value = self[key] else { throw ChannelMessageError("missing field \(key)") }
        return value
    }

    func optionalField(_ key: String) -> JSONValue? {
        guard let value = self[key], !value.isNull else { return nil }
        return value
    }

    func string() throws(ChannelMessageError) -> String {
        guard case .string(let s) = self else { throw ChannelMessageError("expected a string") }
        return s
    }

    func int() throws(ChannelMessageError) -> Int {
        guard case .integer(let i) = self, let value = Int(exactly: i) else {
            throw ChannelMessageError("expected an integer")
        }
        return value
    }

    func ints(count: Int) throws(ChannelMessageError) -> [Int] {
        guard case .array(let elements) = self, elements.count == count else {
            throw ChannelMessageError("expected \(count) integers")
        }
        var out: [Int] = []
        for element in elements { out.append(try element.int()) }
        return out
    }

    func id() throws(ChannelMessageError) -> UInt64 {
        guard case .integer(let i) = self, i >= 0 else { throw ChannelMessageError("expected a call id") }
        return UInt64(i)
    }
}

extension PixelLayout {
    /// `[width, height, bands]` of a packed layout.
    public var channelJSON: JSONValue { .ints([width, height, bands]) }

    /// Reads a packed layout and checks it against `maximumSide` and `maximumPixels`.
    public init(channelJSON json: JSONValue, maximumSide: Int, maximumPixels: Int) throws(ChannelMessageError) {
        let values = try json.ints(count: 3)
        let (width, height, bands) = (values[0], values[1], values[2])
        guard width >= 1, height >= 1, width <= maximumSide, height <= maximumSide,
              width.multipliedReportingOverflow(by: height).partialValue <= maximumPixels,
              PixelLayout.supportedBands.contains(bands) else {
            throw ChannelMessageError("layout \(width)x\(height)x\(bands) is out of bounds")
        }
        self.init(width: width, height: height, bands: bands)
    }
}
