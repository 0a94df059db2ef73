/// One image given to the `code` tool: what it is, and the file name the model was told
/// (`"hr_bench_4k/179.jpg"`), under which the code can open it.
///
/// In the arguments it is a string (an `img:<sha256>` handle or a data URL) or an object
/// `{image, path?}`.
public struct CodeImageArgument: Sendable, Equatable {
    public var reference: ImageReference
    /// Relative to the session's working directory, or absolute; `nil`: the conventions'
    /// default name (`image_1.png`, `image_clue_0.png`, …).
    public var path: String?

    public init(reference: ImageReference, path: String? = nil) {
        self.reference = reference
        self.path = path
    }

    static let objectKeys = ["image", "path"]

    /// Reads one entry; `argument` names it in errors (`images[2]`, `image`).
    static func parse(_ value: JSONValue, argument: String) throws(ToolError) -> CodeImageArgument {
        switch value {
        case .string(let text):
            return CodeImageArgument(reference: try ImageReference.parse(text, argument: argument))
        case .object(let members):
            for key in members.keys.sorted() where !objectKeys.contains(key) {
                throw ToolError("\(argument) has an unknown key \(key); an image object has image (a handle or data URL) and path (the file name the model was told)")
            }
            guard let image = members["image"], !image.isNull else {
                throw ToolError("\(argument) needs image: an img:<sha256> handle from images/put or an earlier result, or a data URL")
            }
            guard case .string(let text) = image else {
                throw .wrongType("\(argument).image", expected: "a string (an img:<sha256> handle or a data URL)", received: image)
            }
            let reference = try ImageReference.parse(text, argument: "\(argument).image")
            var path: String?
            if let value = members["path"], !value.isNull {
                guard case .string(let text) = value else {
                    throw .wrongType("\(argument).path", expected: "a string (a file name such as \"hr_bench_4k/179.jpg\")", received: value)
                }
                try checkPath(text, argument: "\(argument).path")
                path = text
            }
            return CodeImageArgument(reference: reference, path: path)
        default:
            throw .wrongType(argument, expected: "an img:<sha256> handle, a data URL, or an object {image, path}", received: value)
        }
    }

    /// A path names a file: relative or absolute, at most 255 bytes, no NUL, no `..`.
    static func checkPath(_ path: String, argument: String) throws(ToolError) {
        guard !path.isEmpty else {
            throw .invalid(argument, .string(path), "a path names a file, e.g. \"hr_bench_4k/179.jpg\"")
        }
        guard path.utf8.count <= CodeLimits.maximumPathBytes else {
            throw ToolError("\(argument) is \(path.utf8.count) bytes long; at most \(CodeLimits.maximumPathBytes) are allowed")
        }
        guard !path.utf8.contains(0) else {
            throw .invalid(argument, .string(path), "a path cannot contain a NUL character")
        }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !components.contains("..") else {
            throw .invalid(argument, .string(path), "\"..\" is not allowed in a path")
        }
        guard let last = components.last, !last.isEmpty, last != "." else {
            throw .invalid(argument, .string(path), "a path must end with a file name")
        }
    }

    /// The path with `.` components and repeated slashes removed, to find two images given
    /// the same file.
    var normalizedPath: String? {
        guard let path else { return nil }
        let parts = path.split(separator: "/").filter { $0 != "." }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }
}
