/// The adjustments one `enhance` call asks for, applied in ``order``.
public struct EnhanceSettings: Sendable, Hashable {
    /// `ImageOps.autocontrast` cutoff, in percent of pixels clipped at each end.
    public var autocontrast: Double?
    public var equalize = false
    /// `ImageEnhance` factors: 1 leaves the image unchanged.
    public var brightness: Double?
    public var contrast: Double?
    public var color: Double?
    /// out = 255·(in/255)^(1/gamma): above 1 brightens the midtones.
    public var gamma: Double?
    public var sharpness: Double?
    public var invert = false
    /// Pillow's `convert("L")`; on a region the grey is written to every colour band.
    public var grayscale = false

    public init() {}

    /// The fixed order adjustments run in (docs/PROTOCOL.md).
    public static let order = ["autocontrast", "equalize", "brightness", "contrast", "color", "gamma", "sharpness", "invert", "grayscale"]

    public var isEmpty: Bool { applied.isEmpty }

    /// `(name, value)` of each requested adjustment, in ``order``.
    public var applied: [(String, JSONValue)] {
        var list: [(String, JSONValue)] = []
        if let autocontrast { list.append(("autocontrast", .number(autocontrast))) }
        if equalize { list.append(("equalize", true)) }
        if let brightness { list.append(("brightness", .number(brightness))) }
        if let contrast { list.append(("contrast", .number(contrast))) }
        if let color { list.append(("color", .number(color))) }
        if let gamma { list.append(("gamma", .number(gamma))) }
        if let sharpness { list.append(("sharpness", .number(sharpness))) }
        if invert { list.append(("invert", true)) }
        if grayscale { list.append(("grayscale", true)) }
        return list
    }

    var json: JSONValue { .object(Dictionary(uniqueKeysWithValues: applied)) }

    init(json: JSONValue) throws(ChannelMessageError) {
        guard case .object(let members) = json else { throw ChannelMessageError("enhance settings must be an object") }
        func number(_ key: String) throws(ChannelMessageError) -> Double? {
            guard let value = members[key] else { return nil }
            guard let number = value.doubleValue, number.isFinite else { throw ChannelMessageError("\(key) must be a number") }
            return number
        }
        autocontrast = try number("autocontrast")
        equalize = members["equalize"] == .bool(true)
        brightness = try number("brightness")
        contrast = try number("contrast")
        color = try number("color")
        gamma = try number("gamma")
        sharpness = try number("sharpness")
        invert = members["invert"] == .bool(true)
        grayscale = members["grayscale"] == .bool(true)
    }
}
