// swift-tools-version:5.9
import PackageDescription

/// vimo: video → cached tensors → motion-aware CLIP classifiers.
/// See ../shared/DESIGN.md for the picture of targets, schema and fingerprints.
let package = Package(
    name: "vimo",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vimo-decode", targets: ["vimo-decode"]),
        .executable(name: "vimo-synth", targets: ["vimo-synth"]),
        .library(name: "Media", targets: ["Media"]),
        .library(name: "Store", targets: ["Store"]),
        .library(name: "Datasets", targets: ["Datasets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // System libraries: module maps plus a header of static inline wrappers for the macros Swift cannot import.
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat libavcodec libswscale libavutil",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),

        .target(name: "Core", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Media", dependencies: ["CFFmpeg"]),
        .target(name: "Store", dependencies: ["CHDF5"]),
        .target(name: "Datasets", dependencies: ["Media", "Core"]),
        .executableTarget(name: "vimo-decode", dependencies: [
            "Media", "Store", "Datasets", "Core",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Helpers shared by the test targets (fixtures, running programs); never shipped.
        .target(name: "TestSupport", dependencies: ["Media"]),
        .executableTarget(name: "vimo-synth", dependencies: [
            "Datasets",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "CoreTests", dependencies: ["Core"]),
        .testTarget(name: "MediaTests", dependencies: ["Media", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Media"]),
        .testTarget(name: "DecodeTests", dependencies: ["Store", "Datasets", "Media", "Core", "TestSupport"]),
    ]
)
