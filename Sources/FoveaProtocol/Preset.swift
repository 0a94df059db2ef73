import FoveaKernels

/// A model family's conventions in one name: coordinate system, output sizing
/// (`smart_resize` factor and pixel bounds) and the minimum box side a zoom grows to.
public struct Preset: Sendable, Equatable {
    public var name: String
    public var coords: CoordinateSystem
    public var resize: SmartResizeRule
    /// A zoom box with a side shorter than this grows about its centre (SPEC §3).
    public var minimumSide: Int

    public init(name: String, coords: CoordinateSystem, resize: SmartResizeRule, minimumSide: Int) {
        self.name = name
        self.coords = coords
        self.resize = resize
        self.minimumSide = minimumSide
    }

    /// Qwen3-VL / Qwen-Agent `image_zoom_in_tool`: rel1000, factor 32, 256·32² … 16384·32².
    public static let qwen3VL = Preset(
        name: "qwen3-vl", coords: .rel1000,
        resize: SmartResizeRule(factor: 32, minPixels: 262_144, maxPixels: 16_777_216), minimumSide: 32)
    /// Qwen2.5-VL: absolute pixels, factor 28, qwen-vl-utils' 4·28² … 16384·28².
    public static let qwen25VL = Preset(
        name: "qwen2.5-vl", coords: .pixel,
        resize: SmartResizeRule(factor: 28, minPixels: 3_136, maxPixels: 12_845_056), minimumSide: 28)
    /// DeepEyes / verl `ImageZoomInTool` / Chain-of-Focus: pixels, factor 28, 4·28² … 16384·28².
    public static let deepEyes = Preset(
        name: "deepeyes", coords: .pixel,
        resize: SmartResizeRule(factor: 28, minPixels: 3_136, maxPixels: 12_845_056), minimumSide: 28)
    /// Mini-o3: 0–1 boxes, 40 000 … 2 000 000 pixels, factor 28.
    public static let miniO3 = Preset(
        name: "mini-o3", coords: .norm,
        resize: SmartResizeRule(factor: 28, minPixels: 40_000, maxPixels: 2_000_000), minimumSide: 28)
    /// Pixel-Reasoner `crop_image_normalized`: 0–1 boxes, factor 28, qwen-vl-utils bounds.
    public static let pixelReasoner = Preset(
        name: "pixel-reasoner", coords: .norm,
        resize: SmartResizeRule(factor: 28, minPixels: 3_136, maxPixels: 12_845_056), minimumSide: 28)

    public static let all: [Preset] = [qwen3VL, qwen25VL, deepEyes, miniO3, pixelReasoner]

    public static func named(_ name: String) -> Preset? { all.first { $0.name == name } }
}
