// swift-tools-version: 6.2
import PackageDescription

// Module map (see docs/ARCHITECTURE.md): a request flows socket → FoveaProtocol → FoveaServer
// (scheduler) → FoveaSandbox (channel) → FoveaWorker (FoveaCodec, FoveaKernels) and back.
// The supervisor (FoveaServer) never links a decoder; only FoveaWorker imports FoveaCodec.
let package = Package(
    name: "fovea",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fovea", targets: ["fovea"]),
        .library(name: "FoveaKernels", targets: ["FoveaKernels"]),
        .library(name: "FoveaProtocol", targets: ["FoveaProtocol"]),
        .library(name: "FoveaCodec", targets: ["FoveaCodec"]),
        // For the libFuzzer targets (Fuzz/Package.swift: the seccomp policy parser).
        .library(name: "FoveaSandbox", targets: ["FoveaSandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-extras/swift-extras-base64", from: "1.2.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // C side: libvips and libseccomp through pkg-config, plus non-variadic/macro shims.
        .systemLibrary(
            name: "CVipsSystem", path: "CKernels/CVipsSystem", pkgConfig: "vips",
            providers: [.apt(["libvips-dev"])]),
        // g_module_open for the one libvips module loaded (vips-heif.so): gmodule is not in
        // `pkg-config --libs vips`.
        .target(name: "CVips", dependencies: ["CVipsSystem"], path: "CKernels/CVips",
                linkerSettings: [.linkedLibrary("gmodule-2.0")]),
        .systemLibrary(
            name: "CSeccompSystem", path: "CKernels/CSeccompSystem", pkgConfig: "libseccomp",
            providers: [.apt(["libseccomp-dev"])]),
        .target(name: "CSeccomp", dependencies: ["CSeccompSystem"], path: "CKernels/CSeccomp"),
        .target(name: "CLinux", path: "CKernels/CLinux"),
        // libjpeg-turbo's libjpeg API for JPEG encoding (libvips keeps decoding).
        .systemLibrary(
            name: "CJPEGSystem", path: "CKernels/CJPEGSystem", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev"])]),
        .target(name: "CJPEG", dependencies: ["CJPEGSystem"], path: "CKernels/CJPEG"),
        // Base64 of answer lines (AVX2 where the CPU has it): the supervisor's largest per-call cost.
        .target(name: "CBase64", path: "CKernels/CBase64"),

        // The resample's passes with AVX2 and AVX-512 (functions compiled for those, called only
        // where the CPU has them; the same bytes as the SSE2 passes).
        .target(name: "CResampleAVX2", path: "CKernels/CResampleAVX2"),
        // Pixel buffers and SIMD kernels: Swift (and CResampleAVX2 where the CPU has AVX2/AVX-512), no I/O.
        .target(name: "FoveaKernels", dependencies: ["CResampleAVX2"]),
        // libvips: header probe, limits, decode, encode (JPEG through libjpeg-turbo). Workers only.
        .target(name: "FoveaCodec", dependencies: ["FoveaKernels", "CVips", "CJPEG"]),
        // JSON-RPC/MCP messages, tool schemas, validation, coordinates, presets: pure, fuzzable.
        .target(name: "FoveaProtocol", dependencies: ["FoveaKernels"]),
        // Worker processes: spawn, rlimits, namespaces, seccomp, the memfd channel. The seccomp
        // policies are policies/*.policy, embedded through symlinks (docs/SANDBOX.md): the
        // workers', and the code tool's interpreters' and their template's.
        .target(
            name: "FoveaSandbox",
            dependencies: [
                "CSeccomp", "CLinux", "FoveaProtocol",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("Resources/worker.policy"), .embedInCode("Resources/code.policy"),
                        .embedInCode("Resources/code-template.policy")]),
        // What runs inside the sandbox.
        .target(
            name: "FoveaWorker",
            dependencies: ["FoveaKernels", "FoveaCodec", "FoveaProtocol", "FoveaSandbox"]),
        // The supervisor: listener, connections, image store, scheduler, deadlines, stats.
        .target(
            name: "FoveaServer",
            dependencies: [
                "FoveaProtocol", "FoveaSandbox", "CLinux", "CBase64",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ExtrasBase64", package: "swift-extras-base64"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]),
        // `fovea bench`: kernels timed beside libvips (and memcpy) in the same run.
        .target(
            name: "FoveaBench", dependencies: ["FoveaKernels", "FoveaCodec", "FoveaProtocol", "FoveaClient",
                                               .product(name: "ExtrasBase64", package: "swift-extras-base64"),
                                               .product(name: "Histogram", package: "hdrhistogram-swift")],
            path: "Benchmarks/FoveaBench"),
        // A blocking JSON-RPC line client for the Unix socket (`fovea call`, `bench`, `fuzz`, tests).
        .target(name: "FoveaClient", dependencies: ["FoveaProtocol"]),
        // `fovea replay`: recorded trajectories (Fovea's log, the R1V4 toolkit's JSONL) sent
        // again through a daemon, and the HTML report.
        .target(
            name: "FoveaReplay", dependencies: ["FoveaProtocol", "FoveaClient",
                                                .product(name: "Crypto", package: "swift-crypto"),
                                                .product(name: "ExtrasBase64", package: "swift-extras-base64")]),
        .executableTarget(
            name: "fovea",
            dependencies: [
                "FoveaKernels", "FoveaCodec", "FoveaProtocol", "FoveaSandbox", "FoveaWorker",
                "FoveaServer", "FoveaClient", "FoveaBench", "FoveaReplay", "CLinux",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),

        .testTarget(name: "FoveaKernelsTests", dependencies: ["FoveaKernels"], exclude: ["Oracles"]),
        .testTarget(name: "FoveaCodecTests", dependencies: ["FoveaCodec", "FoveaKernels"]),
        .testTarget(name: "FoveaProtocolTests", dependencies: ["FoveaProtocol", "FoveaKernels"], exclude: ["Fixtures"]),
        .testTarget(name: "FoveaSandboxTests", dependencies: ["FoveaSandbox", "CLinux"]),
        .testTarget(name: "FoveaServerTests", dependencies: ["FoveaServer", "FoveaProtocol", "CBase64", "CLinux",
                                                         .product(name: "ExtrasBase64", package: "swift-extras-base64")]),
        .testTarget(name: "FoveaReplayTests", dependencies: ["FoveaReplay", "FoveaProtocol"]),
        // Starts the real `fovea` binary: real socket, real workers, real seccomp.
        .testTarget(
            name: "FoveaEndToEndTests",
            dependencies: ["fovea", "FoveaClient", "FoveaProtocol", "FoveaKernels", "FoveaCodec", "FoveaServer", "FoveaSandbox",
                           "FoveaReplay"]),
    ]
)
