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

    func testSwiftShardsReadExactlyInH5py() throws {
        try requireH5py()
        let directory = try makeTemporaryDirectory()
        var cases: [(InteropSpec, Compression)] = [
            (InteropSpecs.frames(compression: "gzip"), .gzip(level: 1)),
            (InteropSpecs.flow(compression: "none"), .none),
            (InteropSpecs.embeddings(compression: "none"), .none),
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

    // MARK: - Helpers

    /// Writes `spec` with the Swift writer, item by item.
    private func writeWithSwift(_ spec: InteropSpec, compression: Compression, directory: URL, worker: String) throws -> URL {
        let shape = spec.payload.shape
        let payload: Payload
        switch spec.payload.name {
        case "frames": payload = .frames(height: shape[1], width: shape[2], channels: shape[3])
        case "flow": payload = .flow(height: shape[2], width: shape[3])
        case "embeddings": payload = .embeddings(dim: shape[1])
        default: payload = .none
        }
        let metadata = ShardMetadata(stage: spec.attrs.stage, fingerprint: spec.attrs.fingerprint, params: spec.attrs.params)
        let writer = try ShardWriter(directory: directory, worker: worker, metadata: metadata, payload: payload,
                                     labelCount: spec.labels?.shape[1], compression: compression)
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

    private func runScript(_ command: String, _ shard: URL, _ spec: URL) throws -> (Int32, String) {
        try run(Self.python, [Self.script.path, command, shard.path, spec.path])
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
