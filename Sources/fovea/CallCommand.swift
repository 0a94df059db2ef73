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
            the returned image to -o. Examples:
              fovea call zoom --image photo.jpg --bbox 412,300,530,377 -o zoom.jpg
              fovea call code --image photo.jpg --code 'print(image_1.size)'
            The code tool takes any number of --image (image_1, image_2, … in the code, or the \
            names of --conventions) and keeps variables across calls with the same --session.
            """)

    @Argument(help: "Tool name (see `fovea tools`).")
    var tool: String

    @Option(help: "Socket path (default: as `fovea serve`).")
    var socket: String?

    @Option(help: "Image file to send (repeatable for the code tool).")
    var image: [String] = []

    @Option(help: "The code tool's Python source.")
    var code: String?

    @Option(name: .customLong("code-file"), help: "Read the code tool's Python source from this file.")
    var codeFile: String?

    @Option(help: "The code tool's session id: calls with the same id share variables.")
    var session: String?

    @Option(help: "The code tool's conventions (r1v4, pyvision, deepeyesv2, thyme, sketchpad, plain).")
    var conventions: String?

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

    var isCode: Bool { ToolCatalog.isCode(tool) }

    func validate() throws {
        if isCode {
            guard (code == nil) != (codeFile == nil) else { throw ValidationError("the code tool needs exactly one of --code and --code-file") }
        } else {
            guard image.count == 1 else { throw ValidationError("\(tool) takes exactly one --image") }
            guard code == nil, codeFile == nil, session == nil, conventions == nil else {
                throw ValidationError("--code, --code-file, --session and --conventions are for the code tool")
            }
        }
    }

    func run() throws {
        let client = try FoveaClient(socketPath: socket ?? ServerConfiguration.defaultSocketPath)
        let handles = try image.map { path -> String in
            guard let bytes = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read --image \(path)") }
            let put = try client.call("images/put", params: ["data": .string(Base64.encodeToString(bytes: bytes))])
            guard let handle = put["image"]?.stringValue else { throw ValidationError("images/put returned no handle") }
            return handle
        }
        var arguments: [String: JSONValue] = [:]
        if isCode {
            if let codeFile {
                guard let data = FileManager.default.contents(atPath: codeFile) else { throw ValidationError("cannot read --code-file \(codeFile)") }
                arguments["code"] = .string(String(decoding: data, as: UTF8.self))
            } else {
                arguments["code"] = .string(code ?? "")
            }
            if !handles.isEmpty { arguments["images"] = .array(handles.map(JSONValue.string)) }
            if let session { arguments["session"] = .string(session) }
            if let conventions { arguments["conventions"] = .string(conventions) }
        } else {
            arguments["image"] = .string(handles[0])
        }
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
