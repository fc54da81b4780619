import Foundation
import XCTest
@testable import Store

/// Items computed again (a replaced video) leave exactly one version of each item in the folder.
final class ShardCompactionTests: XCTestCase {
    private let payload = Payload.embeddings(dim: 2)

    @discardableResult
    private func commit(_ directory: URL, worker: String, _ items: [(id: String, source: String, value: Float)]) throws -> URL {
        let writer = try ShardWriter(directory: directory, worker: worker, metadata: testMetadata(stage: "clip"), payload: payload,
                                     labelCount: 3)
        for item in items {
            try writer.append(item: item.id, source: item.source, frameIndex: [0, 1], embeddings: [item.value, item.value, -item.value, 7],
                              labels: [1, 0, UInt8(item.value)])
        }
        return try writer.commit()
    }

    private func contents(_ directory: URL) throws -> [String: (source: String, values: [Float], labels: [UInt8])] {
        var result: [String: (String, [Float], [UInt8])] = [:]
        for shard in try ShardDirectory.committedShards(in: directory) {
            let reader = try ShardReader(url: shard)
            for (position, item) in reader.items.enumerated() {
                XCTAssertNil(result[item], "\(item) appears in two shards")
                result[item] = (reader.sources[position], try reader.readEmbeddings(rows: reader.rows(ofItem: position)),
                                try reader.labels(item: position))
            }
        }
        return result
    }

    func testSupersededRowsAreDroppedAndTheCurrentOnesKeptByteForByte() throws {
        let directory = try makeTemporaryDirectory()
        let first = try commit(directory, worker: "a", [("x", "x1", 1), ("y", "y1", 2), ("z", "z1", 3)])
        let second = try commit(directory, worker: "b", [("w", "w1", 4)])
        _ = try commit(directory, worker: "c", [("x", "x2", 5), ("w", "w2", 6)])
        let before = try ShardIndex.build(directory: directory)

        let result = try ShardCompaction.dropSuperseded(in: directory)
        XCTAssertEqual(result.droppedItems.sorted(), ["w", "x"])
        XCTAssertEqual(result.removed, [second], "a shard whose every item was computed again goes")
        XCTAssertEqual(result.rewritten.map(\.old), [first])
        XCTAssertFalse(FileManager.default.fileExists(atPath: first.path))

        let after = try contents(directory)
        XCTAssertEqual(after.keys.sorted(), ["w", "x", "y", "z"])
        XCTAssertEqual(after["x"]?.source, "x2")
        XCTAssertEqual(after["x"]?.values, [5, 5, -5, 7])
        XCTAssertEqual(after["w"]?.source, "w2")
        XCTAssertEqual(after["y"]?.values, [2, 2, -2, 7])
        XCTAssertEqual(after["y"]?.labels, [1, 0, 2])
        XCTAssertEqual(after["z"]?.source, "z1")
        // The index agrees with what it said before, item by item.
        let index = try ShardIndex.build(directory: directory)
        XCTAssertEqual(index.items, before.items)
        for item in index.items { XCTAssertEqual(index[item]?.source, before[item]?.source) }

        // Nothing left to do: a second compaction changes nothing.
        let listing = try listing(directory)
        XCTAssertEqual(try ShardCompaction.dropSuperseded(in: directory), ShardCompaction.Result())
        XCTAssertEqual(try self.listing(directory), listing)
    }

    func testACrashBetweenCommitAndUnlinkIsFinishedByTheNextCompaction() throws {
        let directory = try makeTemporaryDirectory()
        let old = try commit(directory, worker: "a", [("x", "x1", 1), ("y", "y1", 2)])
        _ = try commit(directory, worker: "b", [("x", "x2", 3)])
        // What a crash after committing the rewritten shard and before unlinking the old one leaves.
        _ = try commit(directory, worker: "compacted", [("y", "y1", 2)])
        XCTAssertTrue(FileManager.default.fileExists(atPath: old.path))
        try ShardCompaction.dropSuperseded(in: directory)
        XCTAssertFalse(FileManager.default.fileExists(atPath: old.path))
        let after = try contents(directory)
        XCTAssertEqual(after.keys.sorted(), ["x", "y"])
        XCTAssertEqual(after["x"]?.source, "x2")
    }
}
