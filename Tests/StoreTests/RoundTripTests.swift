import Foundation
import XCTest
@testable import Store

/// What a writer appends comes back from a reader unchanged, for every payload kind.
final class RoundTripTests: XCTestCase {
    func testFramesWithLabelsAndAnEmptyItemRoundTrip() throws {
        let directory = try makeTemporaryDirectory()
        let payload = Payload.frames(height: 4, width: 5, channels: 3)
        var random = SplitMix64(seed: 1)
        let first = random.bytes(2 * payload.rowByteCount)
        let third = random.bytes(3 * payload.rowByteCount)

        let writer = try ShardWriter(directory: directory, worker: "w0", metadata: testMetadata(), payload: payload, labelCount: 3)
        try writer.append(item: "bear", source: "sha-a", frameIndex: [0, 5], frames: first, labels: [1, 0, 1])
        try writer.append(item: "empty", source: "sha-b", frameIndex: [], frames: [], labels: [0, 0, 0])
        try writer.append(item: "ürsus 🐻", source: "sha-c", frameIndex: [10, 15, 20], frames: third, labels: [0, 1, 0])
        XCTAssertEqual(writer.itemCount, 3)
        XCTAssertEqual(writer.rowCount, 5)
        let shard = try writer.commit()

        XCTAssertEqual(shard.lastPathComponent, "shard-w0-000001.h5")
        XCTAssertEqual(try listing(directory), ["index.json", "shard-w0-000001.h5"], "the temporary must be gone; the folder's index follows the commit")

        let reader = try ShardReader(url: shard)
        XCTAssertEqual(reader.items, ["bear", "empty", "ürsus 🐻"])
        XCTAssertEqual(reader.sources, ["sha-a", "sha-b", "sha-c"])
        XCTAssertEqual(reader.offsets, [0, 2, 2, 5])
        XCTAssertEqual(reader.metadata, testMetadata())
        XCTAssertEqual(reader.metadata.schema, Store.schemaVersion)
        XCTAssertEqual(reader.payload, payload)
        XCTAssertEqual(reader.labelCount, 3)
        XCTAssertEqual(reader.rowCount, 5)
        XCTAssertEqual(reader.rows(ofItem: 1), 2..<2)
        XCTAssertEqual(reader.position(ofItem: "ürsus 🐻"), 2)
        XCTAssertEqual(try reader.frameIndex(rows: 0..<5), [0, 5, 10, 15, 20])
        XCTAssertEqual(try reader.readFrames(rows: reader.rows(ofItem: 0)), first)
        XCTAssertEqual(try reader.readFrames(rows: reader.rows(ofItem: 1)), [])
        XCTAssertEqual(try reader.readFrames(rows: reader.rows(ofItem: 2)), third)
        XCTAssertEqual(try reader.readFrames(rows: 1..<3), Array(first[payload.rowByteCount...] + third[..<payload.rowByteCount]))
        XCTAssertEqual(try reader.labels(item: 0), [1, 0, 1])
        XCTAssertEqual(try reader.labels(item: 2), [0, 1, 0])

        let committedAt = try XCTUnwrap(reader.committedAt)
        XCTAssertNotNil(committedAt.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"#, options: .regularExpression), committedAt)
        let age = Date().timeIntervalSince1970 - (CommitTimestamp.secondsSinceEpoch(committedAt) ?? 0)
        XCTAssert((0..<60).contains(age), "committed_at \(committedAt) is not now")
    }

    func testFlowRoundTripsThroughHalfPrecision() throws {
        let directory = try makeTemporaryDirectory()
        let payload = Payload.flow(height: 3, width: 4)
        var random = SplitMix64(seed: 2)
        var values = random.floats(2 * 24, scale: 40)
        values[0...5] = [0.1, 65504, -0.0, 1e-7, 70000, 1 + 1.0 / 2048]

        let writer = try ShardWriter(directory: directory, worker: "flow", metadata: testMetadata(stage: "flow"), payload: payload)
        try writer.append(item: "clip", source: "d", frameIndex: [3, 4], flow: values)
        let reader = try ShardReader(url: try writer.commit())

        let halves = try reader.readFlowHalf(rows: 0..<2)
        XCTAssertEqual(halves.map(\.bitPattern), values.map { Float16($0).bitPattern })
        XCTAssertEqual(try reader.readFlow(rows: 0..<2).map(\.bitPattern), values.map { Float(Float16($0)).bitPattern })
        XCTAssertEqual(halves[0...5].map(\.bitPattern), [0x2E66, 0x7BFF, 0x8000, 0x0002, 0x7C00, 0x3C00],
                       "0.1, max half, -0, a subnormal, overflow to inf, a tie rounded to even")
        XCTAssertEqual(try reader.readFlow(rows: 1..<2), Array(values[24...]).map { Float(Float16($0)) })
    }

    func testEmbeddingsRoundTripAcrossChunks() throws {
        let directory = try makeTemporaryDirectory()
        // 1 MiB / (4096 × 4 bytes) = 64 rows per chunk; 150 rows span three chunks.
        let payload = Payload.embeddings(dim: 4096)
        XCTAssertEqual(payload.rowsPerChunk, 64)
        var random = SplitMix64(seed: 3)
        let writer = try ShardWriter(directory: directory, worker: "clip", metadata: testMetadata(stage: "clip"), payload: payload)
        var written: [Float] = []
        for item in 0..<10 {
            let rows = random.floats(15 * 4096)
            written += rows
            try writer.append(item: "v\(item)", source: "s\(item)", frameIndex: (0..<15).map { Int32($0) }, embeddings: rows)
        }
        let reader = try ShardReader(url: try writer.commit())
        XCTAssertEqual(reader.payload, payload)
        XCTAssertEqual(try reader.readEmbeddings(rows: 0..<150), written)
        XCTAssertEqual(try reader.readEmbeddings(rows: 60..<70), Array(written[(60 * 4096)..<(70 * 4096)]))
    }

    func testShardWithoutPayloadKeepsFrameIndices() throws {
        let directory = try makeTemporaryDirectory()
        let writer = try ShardWriter(directory: directory, worker: "w", metadata: testMetadata(), payload: .none)
        XCTAssertEqual(Payload.none.rowByteCount, 0)
        try writer.append(item: "a", source: "x", frameIndex: [7, 8, 9], rows: UnsafeRawBufferPointer(start: nil, count: 0))
        try writer.append(item: "b", source: "y", frameIndex: [], rows: UnsafeRawBufferPointer(start: nil, count: 0))
        let reader = try ShardReader(url: try writer.commit())
        XCTAssertEqual(reader.payload, .none)
        XCTAssertNil(reader.labelCount)
        XCTAssertEqual(reader.offsets, [0, 3, 3])
        XCTAssertEqual(try reader.frameIndex(rows: 0..<3), [7, 8, 9])
    }

    func testEmptyShardCommits() throws {
        let directory = try makeTemporaryDirectory()
        let writer = try ShardWriter(directory: directory, worker: "w", metadata: testMetadata(),
                                     payload: .frames(height: 2, width: 2, channels: 1), labelCount: 2)
        let reader = try ShardReader(url: try writer.commit())
        XCTAssertEqual(reader.items, [])
        XCTAssertEqual(reader.offsets, [0])
        XCTAssertEqual(reader.labelCount, 2)
        XCTAssertEqual(try reader.readFrames(rows: 0..<0), [])
    }

    func testSequenceNumbersCountPerWorker() throws {
        let directory = try makeTemporaryDirectory()
        func commitOne(_ worker: String) throws -> String {
            let writer = try ShardWriter(directory: directory, worker: worker, metadata: testMetadata(), payload: .none)
            return try writer.commit().lastPathComponent
        }
        XCTAssertEqual(try commitOne("a"), "shard-a-000001.h5")
        XCTAssertEqual(try commitOne("a"), "shard-a-000002.h5")
        XCTAssertEqual(try commitOne("a-1"), "shard-a-1-000001.h5", "worker 'a-1' is not worker 'a'")
        XCTAssertEqual(try commitOne("a"), "shard-a-000003.h5")
        // A gap (e.g. a shard removed by hand) is never refilled: numbers only grow.
        try FileManager.default.removeItem(at: directory.appendingPathComponent("shard-a-000002.h5"))
        XCTAssertEqual(try commitOne("a"), "shard-a-000004.h5")
    }

    func testDiscardAndDeinitRemoveTheTemporary() throws {
        let directory = try makeTemporaryDirectory()
        let discarded = try ShardWriter(directory: directory, worker: "w", metadata: testMetadata(), payload: .embeddings(dim: 2))
        try discarded.append(item: "a", source: "s", frameIndex: [0], embeddings: [1, 2])
        XCTAssertEqual(try listing(directory), [discarded.temporaryURL.lastPathComponent])
        discarded.discard()
        XCTAssertEqual(try listing(directory), [])
        assertStoreError(try discarded.commit()) { error in
            guard case .writerNotOpen = error else { return XCTFail("\(error)") }
        }

        var dropped: ShardWriter? = try ShardWriter(directory: directory, worker: "w", metadata: testMetadata(), payload: .none)
        XCTAssertEqual(try listing(directory).count, 1)
        dropped = nil
        XCTAssertNil(dropped)
        XCTAssertEqual(try listing(directory), [])
    }
}
