import FoveaProtocol

/// `fovea fuzz`'s code calls: valid snippets in each family's style (which must succeed),
/// snippets and arguments made wrong (which must get a clear error), and hostile code — escape
/// attempts, resource bombs, broken syntax, huge outputs — which must be contained: an error or
/// a stop the model can read, never a daemon problem. Sessions come from a small pool per
/// client, so state is shared and interpreters are stopped and restarted under the calls.
struct FuzzCodeCases {
    /// Conventions whose image names the valid snippets know, with the first image's name.
    static let families: [(conventions: String, image: String)] = [
        ("r1v4", "image_1"), ("plain", "image_1"), ("pyvision", "image_clue_0"), ("deepeyesv2", "image_1"),
    ]

    /// Snippets that must succeed; `IMG` is the first image's name.
    static let valid = [
        "print(sum(range(10)))",
        "import numpy as np\nprint(np.asarray(IMG).shape)",
        "import numpy as np\na = np.asarray(IMG).astype(np.float32)\nprint(round(float(a.mean()), 3), a.shape)",
        "print(IMG.size, IMG.mode)",
        "from PIL import ImageEnhance\nout = ImageEnhance.Contrast(IMG).enhance(1.5)\nprint(out.size)",
        "w, h = IMG.size\nsmall = IMG.crop((0, 0, max(1, w // 2), max(1, h // 2))).resize((64, 48))\nprint(small.size)",
        "import matplotlib.pyplot as plt\nplt.figure()\nplt.plot([3, 1, 2])\nplt.title('t')\nplt.show()",
        "import matplotlib.pyplot as plt\nplt.figure(figsize=(3, 2))\nplt.imshow(IMG)\nplt.axis('off')\nplt.show()",
        "import cv2, numpy as np\ng = cv2.cvtColor(np.asarray(IMG.convert('RGB')), cv2.COLOR_RGB2GRAY)\nprint(g.shape)",
        "from scipy import ndimage\nimport numpy as np\nlabels, n = ndimage.label(np.atleast_3d(np.asarray(IMG))[..., 0] > 128)\nprint(n >= 0)",
        "x = [i * i for i in range(100)]\nprint(len(x), x[-1])",
    ]

    /// Hostile code: each must be contained.
    static let hostile = [
        "print(open('/etc/passwd').read())",
        "import os\nprint(os.listdir('/'))",
        "import os\nwhile True:\n    os.fork()",
        "import socket\nsocket.socket().connect(('127.0.0.1', 80))",
        "import subprocess\nsubprocess.run(['sh', '-c', 'id'])",
        "import ctypes\nctypes.CDLL(None).syscall(101, 0, 0, 0, 0)",
        "import ctypes\nctypes.CDLL(None).syscall(272, 0x10000000)",
        "import os, signal\nos.kill(1, signal.SIGKILL)",
        "hoard = bytearray(64 * 2**30)",
        "while True:\n    pass",
        "sum(range(10**13))",
        "import sys\nfor _ in range(40):\n    sys.stdout.write('y' * 2**20)",
        "import matplotlib.pyplot as plt\nfor i in range(2000):\n    plt.figure()\nplt.show()",
        "import sys\nsys.setrecursionlimit(10**7)\nnest = []\nfor _ in range(10**6):\n    nest = [nest]\nrepr(nest)",
        "chunk = b'x' * 2**20\nwith open('fill.bin', 'wb') as f:\n    for _ in range(512):\n        f.write(chunk)",
        "import os\nos._exit(3)",
        "raise SystemExit(1)",
        "def (:\n  pass",
        "\u{0}\u{1}print(1)",
        String(repeating: "(", count: 5000),
    ]

    /// A session from this client's pool for `conventions` (a session keeps its first call's
    /// conventions) and `category`, or none (a fresh interpreter for the call). Valid calls keep
    /// sessions of their own: after hostile code a family's harness may rightly refuse every
    /// later call (PyVision's after `SystemExit`).
    static func session(_ random: inout FuzzRandom, client: Int, conventions: String, category: FuzzCategory) -> JSONValue? {
        random.chance(0.25) ? nil : .string("fuzz-\(client)-\(conventions)-\(category.rawValue)-\(random.int(0...1))")
    }

    static func call(_ arguments: [String: JSONValue]) -> FuzzMessage {
        .request(method: "tools/call", params: ["name": .string("code"), "arguments": .object(arguments)])
    }

    func valid(_ random: inout FuzzRandom, handle: String, client: Int) -> FuzzCase {
        let family = random.pick(Self.families)
        var arguments: [String: JSONValue] = [
            "code": .string(random.pick(Self.valid).replacingOccurrences(of: "IMG", with: family.image)),
            "conventions": .string(family.conventions), "images": [.string(handle)],
        ]
        if let session = Self.session(&random, client: client, conventions: family.conventions, category: .valid) { arguments["session"] = session }
        if random.chance(0.2) { arguments["max_images"] = .int(random.int(1...10)) }
        if random.chance(0.1) { arguments["format"] = .string(random.pick(["png", "jpeg", "webp"])) }
        return FuzzCase(category: .valid, message: Self.call(arguments))
    }

    func mutated(_ random: inout FuzzRandom, handle: String, client: Int, hostileValue: (inout FuzzRandom) -> JSONValue) -> FuzzCase {
        let family = random.pick(Self.families)
        var code = random.pick(Self.valid).replacingOccurrences(of: "IMG", with: family.image)
        var arguments: [String: JSONValue] = ["conventions": .string(family.conventions), "images": [.string(handle)]]
        if let session = Self.session(&random, client: client, conventions: family.conventions, category: .mutated) { arguments["session"] = session }
        switch random.int(0...5) {
        case 0, 1:  // the code itself: bytes flipped, cut, or a name the family does not define
            var scalars = Array(code.unicodeScalars)
            for _ in 0..<random.int(1...4) where !scalars.isEmpty {
                scalars[random.int(0...(scalars.count - 1))] = random.pick(["(", ":", "\u{0}", " ", "'", "é", "\\"])
            }
            code = String(String.UnicodeScalarView(scalars.prefix(random.int(0...scalars.count))))
            if random.chance(0.3) { code = code.replacingOccurrences(of: family.image, with: "image_clue_9") }
        case 2:  // an argument gets a hostile value
            arguments[random.pick(["code", "images", "image", "session", "conventions", "timeout", "max_images", "format", "quality"])] = hostileValue(&random)
        case 3:  // an unknown or a misspelt argument
            arguments[random.pick(["cod", "Image", "sessions", "lang", ""])] = hostileValue(&random)
        case 4:  // images that are not images
            arguments["images"] = random.pick([
                .array([.string("img:" + String(repeating: "0", count: 64))]), .array([["image": .string(handle), "path": "../x.jpg"]]),
                .array([["image": .string(handle), "path": .string(String(repeating: "p", count: 300))]]),
                .array(Array(repeating: .string(handle), count: 17)), "not a list",
            ])
        default:  // a session id out of its alphabet or length
            arguments["session"] = random.pick(["", "a b", "../x", .string(String(repeating: "s", count: 200)), "ü"])
        }
        arguments["code"] = arguments["code"] ?? .string(code)
        return FuzzCase(category: .mutated, message: Self.call(arguments))
    }

    func hostile(_ random: inout FuzzRandom, handle: String, client: Int) -> FuzzCase {
        let conventions = random.pick(Self.families).conventions
        var arguments: [String: JSONValue] = [
            "code": .string(random.pick(Self.hostile)), "conventions": .string(conventions),
            "images": [.string(handle)], "timeout": .double(Double(random.int(5...20)) / 10),
        ]
        if let session = Self.session(&random, client: client, conventions: conventions, category: .hostile) { arguments["session"] = session }
        return FuzzCase(category: .hostile, message: Self.call(arguments))
    }
}
