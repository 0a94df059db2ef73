/// The `code` tool (alias `python`, DeepEyesV2's name) as `tools/list` shows it: its
/// arguments and the schema of its `structuredContent`.
extension CodeArguments {
    public static let definition = ToolDefinition(
        name: "code", aliases: ["python"], title: "Run Python code",
        description: "Run Python code on the images in a sandbox (no network, no files outside its working directory). PIL, NumPy, OpenCV, matplotlib, SciPy and scikit-image are available; each image is a PIL image (named by the conventions: image_1…, image_clue_0…) and a read-only file at its path. Returns the images the code shows (plt.show(), display(), saved files) and one text block formatted as the conventions' harness formats it. Calls with the same session share variables, imports and figures.",
        parameters: [
            ToolParameter("code", required: true, schema: [
                "type": "string",
                "description": "The Python source as the model wrote it; a surrounding ```python fence or <code>…</code> is removed and common indentation stripped. At most 1 MiB.",
            ]),
            ToolParameter("images", schema: [
                "type": "array", "maxItems": .int(CodeLimits.maximumInputImages), "items": imageSchema,
                "description": "The trajectory's images, in order: img:<sha256> handles, data URLs, or {image, path} objects where path is the file name the model was told (e.g. \"hr_bench_4k/179.jpg\"), relative or absolute.",
            ]),
            ToolParameter("image", schema: [
                "anyOf": [["type": "string"], objectImageSchema],
                "description": "One image, instead of images: a handle, a data URL or an {image, path} object.",
            ]),
            ToolParameter("session", schema: [
                "type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$",
                "description": "An id you pick (e.g. the trajectory's id): calls with the same id share one interpreter, as in a Jupyter kernel. Without it each call gets a fresh interpreter.",
            ]),
            ToolParameter("conventions", schema: [
                "type": "string", "enum": .array(CodeConventions.allCases.map { .string($0.rawValue) }),
                "description": "Whose harness to imitate: image names, pre-imports, how outputs are collected, the text block's format, the code repairs. Default: the server's.",
            ]),
            ToolParameter("timeout", schema: [
                "type": "number", "exclusiveMinimum": 0,
                "description": "Seconds the code may run, at most the server's code deadline (default 30). Default: the harness's own limit, capped by the deadline.",
            ]),
            ToolParameter("format", schema: [
                "type": "string", "enum": .array(ImageFormat.allCases.map { .string($0.rawValue) }),
                "description": "Encoding of the returned images (default png).",
            ]),
            CommonParameters.quality,
            ToolParameter("max_images", schema: [
                "type": "integer", "minimum": 1, "maximum": .int(CodeLimits.maximumImagesReturned),
                "description": "At most this many images are returned (default 10).",
            ]),
        ],
        outputSchema: structuredContentSchema)

    static let objectImageSchema: JSONValue = [
        "type": "object", "required": ["image"], "additionalProperties": false,
        "properties": [
            "image": ["type": "string"],
            "path": ["type": "string", "minLength": 1, "maxLength": .int(CodeLimits.maximumPathBytes)],
        ],
    ]

    static let imageSchema: JSONValue = ["anyOf": [["type": "string"], objectImageSchema]]

    /// The shape of ``CodeToolResult``'s `structuredContent`.
    static let structuredContentSchema: JSONValue = [
        "type": "object",
        "required": ["stdout", "stderr", "result", "error", "images", "session", "conventions", "elapsed_ms",
                     "observation", "fresh_session", "notes"],
        "properties": [
            "stdout": ["type": "string", "description": "What the code printed (the runner keeps the first and last 16 KiB of a longer output)."],
            "stderr": ["type": "string"],
            "result": ["type": ["string", "null"], "description": "repr of the trailing expression, where the conventions have one."],
            "error": ["anyOf": [["type": "null"], [
                "type": "object", "required": ["type", "message", "line", "traceback"],
                "properties": [
                    "type": ["type": "string"], "message": ["type": "string"],
                    "line": ["type": ["integer", "null"]], "traceback": ["type": ["string", "null"]],
                ],
            ]]],
            "images": ["type": "array", "items": [
                "type": "object", "required": ["image", "width", "height", "source"],
                "properties": [
                    "image": ["type": "string"], "width": ["type": "integer"], "height": ["type": "integer"],
                    "source": ["type": "string", "description": "figure, display or file:<path>"],
                ],
            ]],
            "session": ["type": ["string", "null"]],
            "conventions": ["type": "string", "enum": .array(CodeConventions.allCases.map { .string($0.rawValue) })],
            "elapsed_ms": ["type": "number"],
            "observation": ["type": "array", "description": "The text block's parts with the images where the harness puts them (index into images).", "items": ["anyOf": [
                ["type": "object", "required": ["type", "text"], "properties": ["type": ["const": "text"], "text": ["type": "string"]]],
                ["type": "object", "required": ["type", "index"], "properties": ["type": ["const": "image"], "index": ["type": "integer"]]],
            ]]],
            "fresh_session": ["type": "boolean", "description": "The call ran in a new interpreter (the session's first call, or its interpreter had been stopped or closed)."],
            "notes": ["type": "array", "items": ["type": "string"], "description": "Fovea's own sentences about the call (a deadline, a memory limit, a restart, a cut output)."],
        ],
    ]
}
