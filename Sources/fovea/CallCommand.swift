import ArgumentParser
import ExtrasBase64
import Foundation
import FoveaClient
import FoveaProtocol
import FoveaServer

struct Call: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Call one tool on a running daemon and print its text block.",
        discussion: """
            Puts --image with images/put, calls TOOL, prints the result's text block and writes \
            the returned image to -o. Example:
              fovea call zoom --image photo.jpg --bbox 412,300,530,377 -o zoom.jpg
            """)

    @Argument(help: "Tool name (see `fovea tools`).")
    var tool: String

    @Option(help: "Socket path (default: as `fovea serve`).")
    var socket: String?

    @Option(help: "Image file to send.")
    var image: String

    @Option(help: "Box x1,y1,x2,y2 in --coords.")
    var bbox: String?

    @Option(help: "Coordinate system of --bbox (rel1000, pixel, norm).")
    var coords: CoordinateSystem?

    @Option(help: "Output format (jpeg, png, webp, raw).")
    var format: OutputFormat?

    @Option(help: "More arguments as a JSON object, e.g. '{\"label\": \"sign\"}'.")
    var args: String?

    @Option(name: .shortAndLong, help: "Write the returned image here.")
    var output: String?

    @Flag(help: "Print the whole JSON result instead of the text block.")
    var json = false

    func run() throws {
        let client = try FoveaClient(socketPath: socket ?? ServerConfiguration.defaultSocketPath)
        guard let bytes = FileManager.default.contents(atPath: image) else {
            throw ValidationError("cannot read --image \(image)")
        }
        let put = try client.call("images/put", params: ["data": .string(Base64.encodeToString(bytes: bytes))])
        guard let handle = put["image"]?.stringValue else { throw ValidationError("images/put returned no handle") }
        var arguments: [String: JSONValue] = ["image": .string(handle)]
        if let args {
            guard case .object(let extra) = try JSONParser.parse(args) else {
                throw ValidationError("--args must be a JSON object")
            }
            arguments.merge(extra) { _, new in new }
        }
        if let bbox {
            let values = bbox.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard values.count == 4 else { throw ValidationError("--bbox needs four numbers x1,y1,x2,y2, got \(bbox)") }
            arguments["bbox_2d"] = .array(values.map(JSONValue.number))
        }
        if let coords { arguments["coords"] = .string(coords.rawValue) }
        if let format { arguments["format"] = .string(format.rawValue) }
        let result = try client.call("tools/call", params: ["name": .string(tool), "arguments": .object(arguments)])
        if json {
            print(JSONWriter.string(result))
        } else {
            for block in result["content"]?.arrayValue ?? [] where block["type"] == "text" {
                print(block["text"]?.stringValue ?? "")
            }
        }
        if let output, let data = result["content"]?.arrayValue?.first(where: { $0["type"] == "image" })?["data"]?.stringValue {
            let decoded = try Base64.decode(string: data)
            guard FileManager.default.createFile(atPath: output, contents: Data(decoded)) else {
                throw ValidationError("cannot write -o \(output)")
            }
        }
        if result["isError"] == .bool(true) { throw ExitCode(2) }
    }
}
