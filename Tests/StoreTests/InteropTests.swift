import Foundation
import XCTest
@testable import Store

/// Shards open in Python with h5py and read back exactly, and h5py-written shards read exactly
/// in Swift (DESIGN.md §3). Python's side is Tests/interop/check_shard.py, run with the system
/// interpreter, which is the one Debian's python3-h5py installs into.
final class InteropTests: XCTestCase {
    static let python = "/usr/bin/python3"
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("interop/check_shard.py")
    /// Decodes a `compact` shard's frames with h5py + Pillow.
    static let jpegScript = script.deletingLastPathComponent().appendingPathComponent("decode_jpeg_frames.py")

    func testSwiftShardsReadExactlyInH5py() throws {
        try requireH5py()
        let directory = try makeTemporaryDirectory()
        var cases: [(InteropSpec, Compression)] = [
            (InteropSpecs.frames(compression: "gzip"), .gzip(level: 1)),
            (InteropSpecs.flow(compression: "none"), .none),
            (InteropSpecs.embeddings(compression: "none"), .none),
            (InteropSpecs.scores(), .none),
        ]
        if Compression.lz4.isAvailable {
            cases.append((InteropSpecs.flow(compression: "lz4"), .lz4))
        }
        for (index, (spec, compression)) in cases.enumerated() {
            let shard = try writeWithSwift(spec, compression: compression, directory: directory, worker: "w\(index)")
            let specURL = directory.appendingPathComponent("expected-\(index).json")
            try spec.write(to: specURL)
            let (status, output) = try runScript("verify", shard, specURL)
            XCTAssertEqual(status, 0, "h5py disagrees with \(shard.lastPathComponent) (\(compression)):\n\(output)")
        }
    }

    func testH5pyShardsReadExactlyInSwift() throws {
        try requireH5py()
        let directory = try makeTemporaryDirectory()
        let pythonTimestamp = "2025-01-02T03:04:05.678901+00:00"
        let specs = [
            InteropSpecs.frames(compression: "gzip"),
            InteropSpecs.flow(compression: "none"),
            InteropSpecs.embeddings(compression: "none"),
            InteropSpecs.scores(),
        ]
        for (index, var spec) in specs.enumerated() {
            spec.attrs.committedAt = pythonTimestamp
            let specURL = directory.appendingPathComponent("spec-\(index).json")
            try spec.write(to: specURL)
            let shard = directory.appendingPathComponent("shard-py\(index)-000001.h5")
            let (status, output) = try runScript("write", shard, specURL)
            XCTAssertEqual(status, 0, "h5py could not write \(shard.lastPathComponent):\n\(output)")
            guard status == 0 else { continue }

            let reader = try ShardReader(url: shard)
            XCTAssertEqual(reader.items, spec.items)
            XCTAssertEqual(reader.sources, spec.source)
            XCTAssertEqual(reader.offsets, spec.offsets)
            XCTAssertEqual(reader.metadata, ShardMetadata(stage: spec.attrs.stage, fingerprint: spec.attrs.fingerprint,
                                                          params: spec.attrs.params, schema: spec.attrs.schema))
            XCTAssertEqual(reader.committedAt, pythonTimestamp)
            XCTAssertEqual(try reader.frameIndex(rows: 0..<reader.rowCount), spec.frameIndex)
            XCTAssertEqual(reader.labelCount, spec.labels?.shape[1])
            let all = 0..<reader.rowCount
            switch reader.payload {
            case .frames(let height, let width, let channels):
                XCTAssertEqual([reader.rowCount, height, width, channels], spec.payload.shape)
                XCTAssertEqual(try reader.readFrames(rows: all).map(UInt32.init), spec.payload.bits)
            case .flow(let height, let width):
                XCTAssertEqual([reader.rowCount, 2, height, width], spec.payload.shape)
                XCTAssertEqual(try reader.readFlowHalf(rows: all).map { UInt32($0.bitPattern) }, spec.payload.bits)
                XCTAssertEqual(try reader.readFlow(rows: all).map(\.bitPattern),
                               spec.payload.bits.map { Float(Float16(bitPattern: UInt16($0))).bitPattern })
            case .embeddings(let dim):
                XCTAssertEqual([reader.rowCount, dim], spec.payload.shape)
                XCTAssertEqual(try reader.readEmbeddings(rows: all).map(\.bitPattern), spec.payload.bits)
            case .scores(let classes):
                XCTAssertEqual([reader.rowCount, classes], spec.payload.shape)
                XCTAssertEqual(try reader.readScores(rows: all).map(\.bitPattern), spec.payload.bits)
            case .none:
                XCTFail("\(shard.lastPathComponent): payload not found")
            }
            for item in spec.items.indices where spec.labels != nil {
                XCTAssertEqual(try reader.labels(item: item), spec.labels(ofItem: item))
            }
        }

        let index = try ShardIndex.build(directory: directory)
        XCTAssertEqual(index.problems.map(\.localizedDescription), [])
        XCTAssertEqual(index.shards.count, specs.count)
        XCTAssertEqual(index.items, InteropSpecs.items.sorted())
    }

    // MARK: - Storage profiles as Python users read them (pip's h5py + hdf5plugin)

    /// The venv the bootstrap makes with pip's h5py 3.16 (HDF5 2.0), hdf5plugin 7.1 and numpy: what a
    /// researcher's `pip install h5py hdf5plugin` gives.
    static let pipPython = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data/.venv-h5/bin/python").path

    /// `exact` shards (shuffle + the profile's tuned zstd, chunks coded by Store itself: frames and flow in
    /// 4-row chunks that span items, the last one partly filled; the storage attribute) read back exactly in h5py after `import hdf5plugin`, in
    /// pip's h5py (HDF5 2.0) and in Debian's (HDF5 1.10, which loads hdf5plugin's filter through
    /// HDF5_PLUGIN_PATH); `raw` ones with no plugin at all.
    func testStorageProfilesReadExactlyInPythonWithHdf5plugin() throws {
        try requirePipH5py()
        let directory = try makeTemporaryDirectory()
        var exactFrames = InteropSpecs.frames(compression: "zstd", rowsPerChunk: 4)
        exactFrames.attrs.storage = "exact"
        var exactFlow = InteropSpecs.flow(compression: "zstd")
        exactFlow.attrs.storage = "exact;flow_rounding_bits=10"
        exactFlow.payload.chunks[0] = 4
        var rawFrames = InteropSpecs.frames(compression: "none")
        rawFrames.attrs.storage = "raw"
        let cases: [(InteropSpec, ShardLayout, plain: Bool)] = [
            (exactFrames, ShardLayout(compression: StorageProfile.frameCompression, rowsPerChunk: 4), false),
            (exactFlow, ShardLayout(compression: StorageProfile.flowCompression, rowsPerChunk: 4), false),
            (rawFrames, ShardLayout(), true),
        ]
        let (found, pluginPath) = try run(Self.pipPython, ["-c", "import hdf5plugin; print(hdf5plugin.PLUGIN_PATH, end='')"])
        XCTAssertEqual(found, 0, pluginPath)
        for (index, (spec, layout, plain)) in cases.enumerated() {
            let shard = try writeWithSwift(spec, layout: layout, directory: directory, worker: "p\(index)")
            let specURL = directory.appendingPathComponent("expected-p\(index).json")
            try spec.write(to: specURL)
            for python in [Self.pipPython, Self.python] {
                let environment = plain ? ["VIMO_PLAIN_H5PY": "1", "HDF5_PLUGIN_PATH": "/nonexistent"]
                    : python == Self.python ? ["HDF5_PLUGIN_PATH": pluginPath] : [:]
                let (status, output) = try runScript("verify", shard, specURL, python: python, environment: environment)
                XCTAssertEqual(status, 0, "\(python) disagrees with \(shard.lastPathComponent) (\(layout)):\n\(output)")
            }
        }
        // Without the plugin, h5py cannot read an exact shard's payload (so the README's `import hdf5plugin` is needed).
        let exact = directory.appendingPathComponent("shard-p0-000001.h5").path
        let (status, output) = try run(Self.pipPython, ["-c", "import h5py; h5py.File('\(exact)')['frames'][0]"])
        XCTAssertNotEqual(status, 0, "plain h5py read a zstd chunk: the test no longer proves the plugin is needed")
        XCTAssertTrue(output.contains("read data") && output.contains("plugin"), output)
    }

    /// A `compact` shard's JPEG frames decoded the way the README tells Python users (h5py + Pillow: pip's
    /// Pillow 11.3 with its own libjpeg-turbo 3, and Debian's python3-pil over the system's) give exactly the
    /// frames `ShardReader.readFrames` gives: both decoders are libjpeg-turbo's accurate integer IDCT with
    /// fancy upsampling, so one shard means the same pixels in Swift and in Python.
    func testPillowDecodesCompactFramesToTheSameFramesAsVimo() throws {
        try requirePipH5py()
        let directory = try makeTemporaryDirectory()
        for (index, settings) in [JPEGSettings.default, JPEGSettings(quality: 90, subsampling: .s444)].enumerated() {
            let payload = Payload.frames(height: 64, width: 96, channels: 3)
            let profile = StorageProfile.compact(settings)
            let writer = try ShardWriter(directory: directory, worker: "j\(index)",
                                         metadata: ShardMetadata(stage: "decode", fingerprint: "f", params: "{}", storage: profile.attribute(for: payload)),
                                         payload: payload, layout: profile.layout(for: payload))
            for item in 0..<3 {
                let frames = (0..<(item + 2)).flatMap { CompactFramesTests.scene(width: 96, height: 64, index: item * 5 + $0) }
                try writer.append(item: "v\(item)", source: "s", frameIndex: (0..<Int32(item + 2)).map { $0 }, frames: frames)
            }
            let reader = try ShardReader(url: try writer.commit())
            let vimo = try reader.readFrames(rows: 0..<reader.rowCount)
            for python in [Self.pipPython, Self.python] {
                let out = directory.appendingPathComponent("decoded-\(index)-\(python == Self.python ? "debian" : "pip").raw")
                let (status, output) = try run(python, [Self.jpegScript.path, reader.url.path, out.path])
                XCTAssertEqual(status, 0, "\(python): \(output)")
                guard status == 0 else { continue }
                let pillow = [UInt8](try Data(contentsOf: out))
                XCTAssertEqual(pillow.count, vimo.count, python)
                let differing = zip(pillow, vimo).filter { $0 != $1 }.count
                XCTAssertEqual(differing, 0, "\(python), \(settings): \(differing) of \(vimo.count) bytes differ from vimo's decoding")
            }
        }
    }

    /// Shards written by h5py with hdf5plugin's Zstd (one zstd frame per chunk, after shuffle) read
    /// exactly through vimo's built-in filter.
    func testHdf5pluginZstdShardsReadExactlyInSwift() throws {
        try requirePipH5py()
        let directory = try makeTemporaryDirectory()
        for (index, spec) in [InteropSpecs.frames(compression: "zstd", rowsPerChunk: 4), InteropSpecs.flow(compression: "zstd")].enumerated() {
            let specURL = directory.appendingPathComponent("spec-z\(index).json")
            try spec.write(to: specURL)
            let shard = directory.appendingPathComponent("shard-z\(index)-000001.h5")
            let (status, output) = try runScript("write", shard, specURL, python: Self.pipPython)
            XCTAssertEqual(status, 0, "h5py + hdf5plugin could not write \(shard.lastPathComponent):\n\(output)")
            guard status == 0 else { continue }
            let reader = try ShardReader(url: shard)
            XCTAssertEqual(try reader.filterIDs(of: spec.payload.name!), [2, 32015])  // shuffle, zstd
            let all = 0..<reader.rowCount
            switch reader.payload {
            case .frames: XCTAssertEqual(try reader.readFrames(rows: all).map(UInt32.init), spec.payload.bits)
            case .flow: XCTAssertEqual(try reader.readFlowHalf(rows: all).map { UInt32($0.bitPattern) }, spec.payload.bits)
            default: XCTFail("\(shard.lastPathComponent): unexpected payload \(reader.payload)")
            }
            // Two rows inside one chunk, then rows across a chunk boundary.
            if case .frames = reader.payload {
                let perRow = spec.payload.shape.dropFirst().reduce(1, *)
                XCTAssertEqual(try reader.readFrames(rows: 1..<3).map(UInt32.init), Array(spec.payload.bits[perRow..<(3 * perRow)]))
                XCTAssertEqual(try reader.readFrames(rows: 3..<5).map(UInt32.init), Array(spec.payload.bits[(3 * perRow)..<(5 * perRow)]))
            }
        }
    }

    /// Skips, saying what to run, when the bootstrap's pip venv is missing.
    private func requirePipH5py() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.pipPython) else {
            throw XCTSkip("\(Self.pipPython) is missing: `scripts/bootstrap.sh` installs pip's h5py and hdf5plugin there")
        }
        let (status, output) = try run(Self.pipPython, ["-c", "import h5py, hdf5plugin, numpy"])
        guard status == 0 else {
            throw XCTSkip("\(Self.pipPython) cannot import h5py, hdf5plugin and numpy (rerun scripts/bootstrap.sh): \(output)")
        }
    }

    // MARK: - Helpers

    /// Writes `spec` with the Swift writer, item by item.
    private func writeWithSwift(_ spec: InteropSpec, compression: Compression, directory: URL, worker: String) throws -> URL {
        try writeWithSwift(spec, layout: ShardLayout(compression: compression), directory: directory, worker: worker)
    }

    /// The same with a whole layout (compression and chunk height); the spec's `storage` becomes the attribute.
    private func writeWithSwift(_ spec: InteropSpec, layout: ShardLayout, directory: URL, worker: String) throws -> URL {
        let shape = spec.payload.shape
        let payload: Payload
        switch spec.payload.name {
        case "frames": payload = .frames(height: shape[1], width: shape[2], channels: shape[3])
        case "flow": payload = .flow(height: shape[2], width: shape[3])
        case "embeddings": payload = .embeddings(dim: shape[1])
        case "scores": payload = .scores(classes: shape[1])
        default: payload = .none
        }
        let metadata = ShardMetadata(stage: spec.attrs.stage, fingerprint: spec.attrs.fingerprint, params: spec.attrs.params,
                                     storage: spec.attrs.storage)
        let writer = try ShardWriter(directory: directory, worker: worker, metadata: metadata, payload: payload,
                                     labelCount: spec.labels?.shape[1], layout: layout)
        for (i, item) in spec.items.enumerated() {
            let values = spec.valueRange(ofItem: i)
            let frameIndex = Array(spec.frameIndex[spec.offsets[i]..<spec.offsets[i + 1]])
            let labels = spec.labels(ofItem: i)
            switch payload {
            case .frames:
                try writer.append(item: item, source: spec.source[i], frameIndex: frameIndex,
                                  frames: spec.payload.bits[values].map { UInt8($0) }, labels: labels)
            case .flow:
                // Through the float32 entry point, so Swift's rounding is what Python checks.
                try writer.append(item: item, source: spec.source[i], frameIndex: frameIndex,
                                  flow: Array(spec.flowInput![values]), labels: labels)
            case .embeddings:
                try writer.append(item: item, source: spec.source[i], frameIndex: frameIndex,
                                  embeddings: spec.payload.bits[values].map { Float(bitPattern: $0) }, labels: labels)
            case .scores:
                try writer.append(item: item, source: spec.source[i], frameIndex: frameIndex,
                                  scores: spec.payload.bits[values].map { Float(bitPattern: $0) }, labels: labels)
            case .none:
                try writer.append(item: item, source: spec.source[i], frameIndex: frameIndex,
                                  rows: UnsafeRawBufferPointer(start: nil, count: 0), labels: labels)
            }
        }
        return try writer.commit()
    }

    /// Fails (never skips) when the system Python has no h5py: the interop promise is untested then.
    private func requireH5py() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            throw MissingTool(message: "\(Self.python) is missing: install it with `apt-get install python3 python3-h5py`")
        }
        let (status, output) = try run(Self.python, ["-c", "import h5py, numpy"])
        guard status == 0 else {
            throw MissingTool(message: "h5py is missing for \(Self.python): install it with `apt-get install python3-h5py`\n\(output)")
        }
    }

    private struct MissingTool: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    private func runScript(_ command: String, _ shard: URL, _ spec: URL, python: String = InteropTests.python,
                           environment: [String: String] = [:]) throws -> (Int32, String) {
        try run(python, [Self.script.path, command, shard.path, spec.path], environment: environment)
    }

    private func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
