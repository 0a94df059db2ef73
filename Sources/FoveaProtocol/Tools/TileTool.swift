import FoveaKernels

/// `tile`: split an image (or a region) into a grid of overlapping tiles, each resized to the
/// model's size.
public struct TileRequest: Sendable, Equatable {
    public enum Layout: Sendable, Equatable {
        case grid(rows: Int, columns: Int)
        case size(width: Int, height: Int)
    }

    public var layout: Layout
    public var overlap: Double
    public var box: [Double]?
    public var coords: CoordinateSystem

    public static let definition = ToolDefinition(
        name: "tile", aliases: [], title: "Tile",
        description: "Split an image, or the region bbox_2d, into tiles — a grid of rows × columns, or tiles of tile_size pixels — optionally overlapping; each tile is returned resized to the model's input size, and the text lists every tile's box.",
        parameters: [
            CommonParameters.image,
            ToolParameter("grid", schema: [
                "type": "array", "items": ["type": "integer", "minimum": 1, "maximum": 16], "minItems": 2, "maxItems": 2,
                "description": "[rows, columns] of tiles.",
            ]),
            ToolParameter("tile_size", schema: [
                "type": "array", "items": ["type": "integer", "minimum": 16], "minItems": 2, "maxItems": 2,
                "description": "[width, height] of each tile in pixels of the image (instead of grid).",
            ]),
            ToolParameter("overlap", schema: [
                "type": "number", "minimum": 0, "maximum": 0.5,
                "description": "Fraction of a tile shared with its neighbour (default 0).",
            ]),
            CommonParameters.box(required: false, purpose: "the region to tile (default: the whole image)"),
            CommonParameters.coords,
        ] + CommonParameters.output, outputSchema: ToolOutputSchemas.tile)

    static func parse(_ arguments: ToolArguments, coords: CoordinateSystem) throws(ToolError) -> TileRequest {
        let grid = try arguments.integerPair("grid", in: 1...16)
        let size = try arguments.integerPair("tile_size", in: 16...65536)
        let layout: Layout
        switch (grid, size) {
        case (let grid?, nil): layout = .grid(rows: grid[0], columns: grid[1])
        case (nil, let size?): layout = .size(width: size[0], height: size[1])
        case (nil, nil): throw ToolError("tile needs grid [rows, columns] or tile_size [width, height]; received neither")
        default: throw ToolError("tile takes grid or tile_size, not both")
        }
        let request = TileRequest(layout: layout, overlap: try arguments.number("overlap", in: 0...0.5) ?? 0,
                                  box: try arguments.box(), coords: coords)
        if case .grid(let rows, let columns) = layout, rows * columns > ToolLimits.maximumTiles {
            throw .invalid("grid", .ints([rows, columns]), "it makes \(rows * columns) tiles; at most \(ToolLimits.maximumTiles) are allowed")
        }
        return request
    }

    /// One tile: where it is and the plan that makes it.
    public struct Tile: Sendable, Equatable {
        public var row: Int
        public var column: Int
        public var pixels: PixelRect
        public var plan: StepPlan
    }

    /// The region tiled and its tiles, in row-major order.
    func tiles(input: ImageShape, defaults: ToolDefaults) throws(ToolError) -> (region: ResolvedBox?, tiles: [Tile]) {
        let region = try box.map { values throws(ToolError) in
            try resolveBox(values, coords: coords, width: input.width, height: input.height, minimumSide: 1)
        }
        let area = region?.pixels ?? PixelRect(x: 0, y: 0, width: input.width, height: input.height)
        let columns: [Range<Int>], rows: [Range<Int>]
        switch layout {
        case .grid(let rowCount, let columnCount):
            columns = Self.spans(extent: area.width, count: columnCount, overlap: overlap)
            rows = Self.spans(extent: area.height, count: rowCount, overlap: overlap)
        case .size(let width, let height):
            columns = Self.spans(extent: area.width, length: width, overlap: overlap)
            rows = Self.spans(extent: area.height, length: height, overlap: overlap)
        }
        guard rows.count * columns.count <= ToolLimits.maximumTiles else {
            throw .invalid("tile_size", .ints(layoutValues), "it makes \(rows.count)×\(columns.count) = \(rows.count * columns.count) tiles; at most \(ToolLimits.maximumTiles) are allowed")
        }
        var tiles: [Tile] = []
        for (rowIndex, rowSpan) in rows.enumerated() {
            for (columnIndex, columnSpan) in columns.enumerated() {
                let rect = PixelRect(x: area.x + columnSpan.lowerBound, y: area.y + rowSpan.lowerBound,
                                     width: columnSpan.count, height: rowSpan.count)
                let box = ResolvedBox(requested: [Double(rect.x), Double(rect.y), Double(rect.maxX), Double(rect.maxY)],
                                      coords: .pixel, pixels: rect, clipped: false, grown: false)
                let size = try modelSize(of: box, rule: defaults.preset.resize, argument: "tile")
                var steps: [PlanStep] = [.crop(rect)]
                if size.width != rect.width || size.height != rect.height {
                    steps.append(.resize(width: size.width, height: size.height, filter: .bicubic))
                }
                tiles.append(Tile(row: rowIndex, column: columnIndex, pixels: rect,
                                  plan: StepPlan(input: input, steps: steps, summary: .crop(box, downscaled: false))))
            }
        }
        return (region, tiles)
    }

    private var layoutValues: [Int] {
        switch layout {
        case .grid(let rows, let columns): return [rows, columns]
        case .size(let width, let height): return [width, height]
        }
    }

    /// `count` spans of equal length covering `0..<extent`, neighbours sharing `overlap` of a span.
    static func spans(extent: Int, count: Int, overlap: Double) -> [Range<Int>] {
        let count = min(count, extent)
        let length = Int((Double(extent) / (1 + Double(count - 1) * (1 - overlap))).rounded(.up))
        return distribute(extent: extent, length: min(length, extent), count: count)
    }

    /// Spans of `length` (at most `extent`) covering `0..<extent`, stepping by at most
    /// `length × (1 − overlap)`.
    static func spans(extent: Int, length: Int, overlap: Double) -> [Range<Int>] {
        let length = min(length, extent)
        guard length < extent else { return [0..<extent] }
        let step = max(1, Double(length) * (1 - overlap))
        let count = Int((Double(extent - length) / step).rounded(.up)) + 1
        return distribute(extent: extent, length: length, count: count)
    }

    /// `count` spans of `length`, the first at 0 and the last ending at `extent`, evenly spread.
    static func distribute(extent: Int, length: Int, count: Int) -> [Range<Int>] {
        guard count > 1 else { return [0..<length] }
        return (0..<count).map { index in
            let start = Int((Double(index * (extent - length)) / Double(count - 1)).rounded())
            return start..<(start + length)
        }
    }
}

extension ToolArguments {
    /// Two integers `[a, b]`, each in `range`.
    func integerPair(_ name: String, in range: ClosedRange<Int>) throws(ToolError) -> [Int]? {
        guard let value = values[name], !value.isNull else { return nil }
        guard case .array(let elements) = value, elements.count == 2 else {
            throw .wrongType(name, expected: "an array of two integers", received: value)
        }
        let integers = elements.compactMap(\.intValue)
        guard integers.count == 2, integers.allSatisfy(range.contains) else {
            throw .invalid(name, value, "both values must be integers from \(range.lowerBound) to \(range.upperBound)")
        }
        return integers
    }
}
