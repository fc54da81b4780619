import Foundation
import XCTest
@testable import Store

/// index.json follows the folder's committed shards, spares ShardIndex from opening unchanged ones,
/// and never decides anything on its own: a stale, damaged or foreign one only costs reads.
final class FolderIndexTests: XCTestCase {
    private let metadata = ShardMetadata(stage: "clip", fingerprint: "f", params: "{}", schema: Store.schemaVersion)

    private func commit(_ rows: [String: Float], in directory: URL) throws -> URL {
        let writer = try ShardWriter(directory: directory, worker: "w0", metadata: metadata, payload: .embeddings(dim: 2))
        for (item, value) in rows.sorted(by: { $0.key < $1.key }) {
            try writer.append(item: item, source: "s\(value)", frameIndex: [0], embeddings: [value, value])
        }
        return try writer.commit()
    }

    private func index(_ directory: URL) throws -> FolderIndexFile {
        try XCTUnwrap(FolderIndexFile.read(in: directory), "index.json")
    }

    func testTheIndexFollowsCommitsReplacementsAndCompaction() throws {
        let directory = try makeTemporaryDirectory()
        let first = try commit(["a": 1, "b": 1], in: directory)
        var file = try index(directory)
        XCTAssertEqual(Set(file.shards.keys), [first.lastPathComponent])
        XCTAssertEqual(file.items["b"], .init(shard: first.lastPathComponent, start: 1, stop: 2, position: 1, source: "s1.0"))

        Thread.sleep(forTimeInterval: 0.01)
        let second = try commit(["b": 2, "c": 2], in: directory)
        file = try index(directory)
        XCTAssertEqual(Set(file.shards.keys), [first.lastPathComponent, second.lastPathComponent])
        XCTAssertEqual(file.items["b"]?.shard, second.lastPathComponent, "the newer commit holds b")
        XCTAssertEqual(file.items["a"]?.shard, first.lastPathComponent)

        let compacted = try ShardCompaction.dropSuperseded(in: directory)
        XCTAssertEqual(compacted.droppedItems, ["b"])
        file = try index(directory)
        XCTAssertFalse(file.shards.keys.contains(first.lastPathComponent), "the rewritten shard left the index")
        XCTAssertEqual(Set(file.items.keys), ["a", "b", "c"])
        let built = try ShardIndex.build(directory: directory)
        for item in built.items {
            XCTAssertEqual(file.items[item]?.shard, built[item]?.shard.lastPathComponent, item)
            XCTAssertEqual(file.items[item]?.source, built[item]?.source, item)
        }
    }

    func testAStaleOrDamagedIndexIsNotBelieved() throws {
        let directory = try makeTemporaryDirectory()
        let shard = try commit(["a": 1], in: directory)
        let url = directory.appendingPathComponent(FolderIndexFile.name)

        // An entry whose stamp is not the file's (here: a wrong item list, a modification time 1 ns off) is read again.
        var lying = try index(directory)
        lying.shards[shard.lastPathComponent]?.items = ["z"]
        lying.shards[shard.lastPathComponent]?.mtimeNs -= 1
        XCTAssertTrue(lying.write(in: directory))
        XCTAssertEqual(try ShardIndex.build(directory: directory).items, ["a"], "a stamp that does not match is read again")
        XCTAssertEqual(try index(directory).shards[shard.lastPathComponent]?.items, ["a"], "and the index is rewritten")

        try Data("not json".utf8).write(to: url)
        XCTAssertEqual(try ShardIndex.build(directory: directory).items, ["a"])
        XCTAssertNotNil(FolderIndexFile.read(in: directory), "a damaged index is replaced")

        // A shard removed behind the index's back: the index forgets it.
        try FileManager.default.removeItem(at: shard)
        XCTAssertEqual(try ShardIndex.build(directory: directory).items, [])
        XCTAssertEqual(try index(directory).shards, [:])
    }

    func testUnchangedShardsAreNotOpenedAgain() throws {
        let directory = try makeTemporaryDirectory()
        let shard = try commit(["a": 1, "b": 2], in: directory)
        // Break the shard's item table in place but keep its stamp: only the index can answer now.
        let stamp = try XCTUnwrap(FolderIndexFile.stamp(shard))
        var times = [timespec(tv_sec: 0, tv_nsec: 0), timespec(tv_sec: Int(stamp.mtimeNs / 1_000_000_000), tv_nsec: Int(stamp.mtimeNs % 1_000_000_000))]
        let handle = try FileHandle(forWritingTo: shard)
        try handle.seek(toOffset: 0)
        try handle.write(contentsOf: Data(repeating: 0, count: 8))   // the HDF5 signature: the file no longer opens
        try handle.close()
        times[0] = times[1]
        XCTAssertEqual(utimensat(AT_FDCWD, shard.path, &times, 0), 0)
        XCTAssertEqual(try ShardIndex.build(directory: directory).items, ["a", "b"], "taken from index.json, not the file")
        try FileManager.default.removeItem(at: directory.appendingPathComponent(FolderIndexFile.name))
        let rebuilt = try ShardIndex.build(directory: directory)
        XCTAssertEqual(rebuilt.items, [], "without the index the damaged file is read, and fails")
        XCTAssertEqual(rebuilt.problems.count, 1)
    }
}
