// swift-tools-version: 6.2
import PackageDescription

// libFuzzer targets over the parsers Fovea owns and the decoders it hosts (docs/FUZZING.md).
// A package of its own, so that nothing here is built or linked into `fovea`:
//
//     cd Fuzz && swift build -c release --sanitize=fuzzer --sanitize=address
//     ./scripts/fuzz.sh [--seconds N] [TARGET...]      (from the repository's root)
let package = Package(
    name: "FoveaFuzz",
    dependencies: [.package(name: "fovea", path: "..")],
    targets: [
        // JSONParser: anything it accepts, JSONWriter writes back to the same value.
        .executableTarget(name: "FuzzJSON", dependencies: [.product(name: "FoveaProtocol", package: "fovea")]),
        // A client's line: JSON-RPC, then every tool's argument validation (code included) and
        // planning; every plan it makes passes the worker's own check and survives the channel.
        .executableTarget(name: "FuzzToolCall", dependencies: [.product(name: "FoveaProtocol", package: "fovea")]),
        // What a compromised worker or interpreter may send: the supervisor's checks of notices,
        // replies, hellos and code results, message by message.
        .executableTarget(name: "FuzzWorkerReplies", dependencies: [.product(name: "FoveaProtocol", package: "fovea"),
                                                                     .product(name: "FoveaSandbox", package: "fovea")]),
        // The seccomp policy language: parse, then compile with libseccomp to BPF.
        .executableTarget(name: "FuzzPolicy", dependencies: [.product(name: "FoveaSandbox", package: "fovea")]),
        // The codec in process, on small images, with the decode limits on.
        .executableTarget(name: "FuzzDecode", dependencies: [.product(name: "FoveaCodec", package: "fovea")]),
        // Fovea's JPEG coder against libjpeg's on the same small images: the same bytes.
        .executableTarget(name: "FuzzJPEGCoder", dependencies: [.product(name: "FoveaCodec", package: "fovea"),
                                                                 .product(name: "FoveaKernels", package: "fovea")]),
    ]
)
