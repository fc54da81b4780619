// swift-tools-version:5.9
import PackageDescription

/// vimo: video → cached tensors → motion-aware CLIP classifiers.
/// See ../shared/DESIGN.md for the picture of targets, schema and fingerprints.

// libtorch: Debian's libtorch-dev by default; TORCH_DIR=/path switches to an official
// libtorch or a pip wheel's site-packages/torch (include/, lib/); TORCH_CUDA=1 also links CUDA.
let environment = Context.environment
let torchDir = environment["TORCH_DIR"]
let torchCUDA = environment["TORCH_CUDA"] == "1"
let torchIncludes = torchDir.map { ["\($0)/include", "\($0)/include/torch/csrc/api/include"] }
    ?? ["/usr/include/torch/csrc/api/include"]
// Debian's libtorch 1.13 builds with C++17; torch 2.x headers want C++20.
let torchStandard = environment["TORCH_CXX_STD"] ?? (torchDir == nil ? "c++17" : "c++20")
var torchLinker: [LinkerSetting] = [.linkedLibrary("torch_cpu"), .linkedLibrary("c10")]
if let torchDir {
    torchLinker.append(.unsafeFlags(["-L\(torchDir)/lib", "-Xlinker", "-rpath", "-Xlinker", "\(torchDir)/lib"]))
}
if torchCUDA {
    torchLinker.append(.unsafeFlags(["-Xlinker", "--no-as-needed", "-ltorch_cuda", "-lc10_cuda", "-Xlinker", "--as-needed"]))
}

/// Media's, AMCLIP's, Store's, StageCLI's and Datasets' per-value loops (flow colour coding, clip assembly, flow
/// rounding, float16 conversion and the NaN/inf check on every stored field, synthetic videos) are compiled
/// optimised in debug builds too: unoptimised they are 2-10× slower (FlowColor's SIMD fast path ~30×), and the
/// test suite runs the stages debug-built and trains AnimalMotionCLIP on the demo's flow (release builds are
/// unaffected).
let pixelLoops: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "vimo",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vimo-decode", targets: ["vimo-decode"]),
        .executable(name: "vimo-flow", targets: ["vimo-flow"]),
        .executable(name: "vimo-clip", targets: ["vimo-clip"]),
        .executable(name: "vimo-moclip", targets: ["vimo-moclip"]),
        .executable(name: "vimo-tfam", targets: ["vimo-tfam"]),
        .executable(name: "vimo-eval", targets: ["vimo-eval"]),
        .executable(name: "vimo-synth", targets: ["vimo-synth"]),
        .executable(name: "vimo-amclip", targets: ["vimo-amclip"]),
        .executable(name: "vimo", targets: ["vimo"]),
        .library(name: "Media", targets: ["Media"]),
        .library(name: "Store", targets: ["Store"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Torch", targets: ["Torch"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Metrics", targets: ["Metrics"]),
        .library(name: "Text", targets: ["Text"]),
        .library(name: "AMCLIP", targets: ["AMCLIP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // System libraries: module maps plus a header of static inline wrappers for the macros Swift cannot import.
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat libavcodec libswscale libavutil",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),
        // Zstandard for Store's built-in HDF5 filter 32015 (the chunk format hdf5plugin reads).
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // libjpeg-turbo for the `compact` storage profile's JPEG frames (encoded and decoded inside Store).
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        // The one C++ shim over libtorch: a flat C API, exceptions turned into error returns.
        .target(name: "CTorch",
                cxxSettings: [.unsafeFlags(["-std=\(torchStandard)", "-w"] + torchIncludes.map { "-I\($0)" })],
                linkerSettings: torchLinker),

        // The C++ shim over OpenCV's DIS optical flow (CPU flow without weights).
        .target(name: "CVision",
                cxxSettings: [.unsafeFlags(["-I/usr/include/opencv4", "-std=c++17"])],
                linkerSettings: [.linkedLibrary("opencv_video"), .linkedLibrary("opencv_imgproc"), .linkedLibrary("opencv_core")]),

        .target(name: "Core", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // pixelLoops: FlowColor's SIMD fast path is ~30× slower than plain per-pixel code without optimisation.
        .target(name: "Media", dependencies: ["CFFmpeg"], swiftSettings: pixelLoops),
        .target(name: "Store", dependencies: ["CHDF5", "CZstd", "CTurboJPEG"], swiftSettings: pixelLoops),
        // pixelLoops: the synthetic datasets' renderer (vimo-synth, the tests' videos) is ~2× slower unoptimised.
        .target(name: "Datasets", dependencies: ["Media", "Core"], swiftSettings: pixelLoops),
        .target(name: "Torch", dependencies: ["CTorch", "Core"]),
        .target(name: "Models", dependencies: ["Torch", "Core"]),
        .target(name: "Vision", dependencies: ["CVision"]),
        .target(name: "Metrics"),
        // CLIP's byte-level BPE tokenizer (OpenAI's simple_tokenizer, id for id).
        .target(name: "Text", dependencies: ["Core"]),

        // The stage executables' shared terminal layer (progress, summaries, shard rotation). pixelLoops: its check
        // of every stored value for NaN/inf (FiniteRows) is generic; unoptimised it took half of a debug-built
        // vimo-flow's time.
        .target(name: "StageCLI", dependencies: [
            "Store", "Core", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: pixelLoops),

        // What every trainer shares: the epoch loop, model selection, checkpoints, resume, the common options.
        .target(name: "Training", dependencies: [
            "Torch", "Core", "StageCLI", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .executableTarget(name: "vimo-decode", dependencies: [
            "Media", "Store", "Datasets", "Core", "StageCLI",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "vimo-flow", dependencies: [
            "Media", "Store", "Core", "StageCLI", "Torch", "Models", "Vision",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "vimo-clip", dependencies: [
            "Store", "Core", "StageCLI", "Torch", "Models",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "vimo-moclip", dependencies: [
            "Store", "Core", "StageCLI", "Torch", "Models", "Media", "Datasets", "Training",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "vimo-tfam", dependencies: [
            "Datasets", "Store", "Core", "StageCLI", "Torch", "Models", "Metrics", "Media", "Training",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "vimo-eval", dependencies: [
            "Datasets", "Store", "Metrics",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "vimo-synth", dependencies: [
            "Datasets",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // AnimalMotionCLIP's inputs: temporal sampling schemes and clips of cached frames + colour-coded flow.
        .target(name: "AMCLIP", dependencies: ["Store", "Media", "Torch", "Models", "Core", "Datasets"], swiftSettings: pixelLoops),

        // X-CLIP classifiers on cached frames: zero-shot, and AnimalMotionCLIP's training and prediction.
        .executableTarget(name: "vimo-amclip", dependencies: [
            "AMCLIP", "Models", "Torch", "Text", "Datasets", "Store", "StageCLI", "Core", "Training", "Metrics", "Media",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // The runner: pipeline files, fingerprints, locks, run records, and the `vimo` front door.
        .target(name: "Pipeline", dependencies: ["Store", "Core", "Datasets", .product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "vimo", dependencies: [
            "Pipeline", "Core", "Metrics", "Store", "Datasets", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Benchmarks (bench/*.sh run them against their anchors).
        .executableTarget(name: "vimo-bench-torch", dependencies: ["Torch"], path: "bench/TorchBench"),
        .executableTarget(name: "vimo-bench-clip", dependencies: ["Torch", "Models"], path: "bench/CLIPBench"),
        .executableTarget(name: "vimo-bench-tfam", dependencies: ["Torch", "Models"], path: "bench/TFAMBench"),
        .executableTarget(name: "vimo-bench-stage", dependencies: ["Core", "Store", "StageCLI"], path: "bench/RunnerBench"),
        .executableTarget(name: "vimo-bench-store", dependencies: ["Store", "Media"], path: "bench/StoreBench"),
        .executableTarget(name: "vimo-bench-xclip", dependencies: ["Torch", "Models"], path: "bench/XCLIPBench"),
        .executableTarget(name: "vimo-bench-flow", dependencies: ["Torch", "Models", "Vision"], path: "bench/FlowBench"),
        .executableTarget(name: "vimo-bench-amclip", dependencies: ["AMCLIP", "Torch", "Models", "Media", "Store", "Core", "Datasets", "Text", "Training"],
                          path: "bench/AMCLIPBench"),

        // Helpers shared by the test targets (fixtures, running programs); never shipped.
        .target(name: "TestSupport", dependencies: ["Media", "Torch", "Core"]),

        .testTarget(name: "CoreTests", dependencies: ["Core"]),
        .testTarget(name: "MediaTests", dependencies: ["Media", "TestSupport"], exclude: ["make_flow_colors.py"]),
        .testTarget(name: "VisionTests", dependencies: ["Vision", "CVision", "TestSupport"], exclude: ["dis_reference.py"]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Media", "TestSupport"], exclude: ["Fixtures", "make_xlsx_fixtures.py"]),
        .testTarget(name: "DecodeTests", dependencies: ["Store", "Datasets", "Media", "Core", "TestSupport"]),
        .testTarget(name: "TorchTests", dependencies: ["Torch", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "CheckpointTests", dependencies: ["Torch", "Core"], exclude: ["Fixtures"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Torch", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Torch", "Core", "StageCLI", "TestSupport"]),
        .testTarget(name: "TFAMTests", dependencies: ["Datasets", "Store", "TestSupport"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"], exclude: ["make_sklearn_reference.py"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Store", "Core", "TestSupport"]),
        .testTarget(name: "AMCLIPLibTests", dependencies: ["AMCLIP", "Store", "Media", "Models", "Torch", "TestSupport"],
                    exclude: ["color_jitter_reference.py"]),
        .testTarget(name: "AMCLIPTests", dependencies: ["Datasets", "Store", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "TextTests", dependencies: ["Text", "Core", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "FlowTests", dependencies: ["Models", "Torch", "Store", "Datasets", "Media", "TestSupport"]),
    ],
    cxxLanguageStandard: nil
)
