import Foundation
import XCTest
@testable import Store

/// The committed shards of a directory are the stage's progress: the index says which items
/// are done, with which source digest, and where their rows are.
final class ShardIndexTests: XCTestCase {
    private let payload = Payload.embeddings(dim: 3)

    @discardableResult
    private func commit(_ directory: URL, worker: String, _ items: [(id: String, source: String, rows: Int)]) throws -> URL {
        let writer = try ShardWriter(directory: directory, worker: worker, metadata: testMetadata(stage: "clip"), payload: payload)
        for item in items {
            try writer.append(item: item.id, source: item.source, frameIndex: (0..<item.rows).map(Int32.init),
                              embeddings: [Float](repeating: 1, count: item.rows * 3))
        }
        return try writer.commit()
    }

    func testIndexMapsItemsToShardsAndNewestCommitWins() throws {
        let directory = try makeTemporaryDirectory()
        // Worker "b" commits first, "a" second: the name sorts the other way, the commit time decides.
        let older = try commit(directory, worker: "b", [("x", "old-digest", 2), ("y", "dy", 1)])
        let newer = try commit(directory, worker: "a", [("z", "dz", 4), ("x", "new-digest", 3)])
        let pending = try ShardWriter(directory: directory, worker: "c", metadata: testMetadata(), payload: payload)
        try pending.append(item: "uncommitted", source: "s", frameIndex: [0], embeddings: [0, 0, 0])

        let index = try ShardIndex.build(directory: directory)
        XCTAssertEqual(index.shards.map(\.lastPathComponent), ["shard-a-000001.h5", "shard-b-000001.h5"])
        XCTAssertEqual(index.items, ["x", "y", "z"], "temporaries are not shards")
        XCTAssertEqual(index.problems.count, 0)
        XCTAssertEqual(index["x"], ShardIndex.Entry(shard: newer, position: 1, rows: 4..<7, source: "new-digest"))
        XCTAssertEqual(index["y"], ShardIndex.Entry(shard: older, position: 1, rows: 2..<3, source: "dy"))
        XCTAssertNil(index["uncommitted"])

        XCTAssertTrue(index.contains(item: "x", source: "new-digest"))
        XCTAssertFalse(index.contains(item: "x", source: "old-digest"), "a changed input must be recomputed")
        XCTAssertFalse(index.contains(item: "w", source: "dz"))

        let reader = try ShardReader(url: try XCTUnwrap(index["x"]).shard)
        XCTAssertEqual(reader.rows(ofItem: 1), 4..<7)
        pending.discard()
    }

    func testDamagedShardIsReportedAndTheRestIsIndexed() throws {
        let directory = try makeTemporaryDirectory()
        try commit(directory, worker: "good", [("a", "da", 1)])
        var random = SplitMix64(seed: 5)
        try Data(random.bytes(4096)).write(to: directory.appendingPathComponent("shard-x-000001.h5"))
        try Data().write(to: directory.appendingPathComponent("shard-y-000001.h5"))

        let index = try ShardIndex.build(directory: directory)
        XCTAssertEqual(index.items, ["a"])
        XCTAssertEqual(index.shards.map(\.lastPathComponent), ["shard-good-000001.h5"])
        XCTAssertEqual(index.problems.count, 2)
        let messages = index.problems.map(\.localizedDescription).sorted()
        XCTAssertTrue(messages[0].contains("shard-x-000001.h5"), messages[0])
        XCTAssertTrue(messages[1].contains("shard-y-000001.h5"), messages[1])
        guard case .hdf5(_, let operation, let message) = index.problems[0] else {
            return XCTFail("expected an HDF5 open error, got \(index.problems[0])")
        }
        XCTAssertEqual(operation, "H5Fopen")
        XCTAssertTrue(message.contains("signature"), "HDF5's own reason should be carried: \(message)")
    }

    func testFilesNotFollowingTheSchemaAreReported() throws {
        let directory = try makeTemporaryDirectory()
        let good = try commit(directory, worker: "w", [("a", "d", 1)])
        let future = directory.appendingPathComponent("shard-future-000001.h5")
        let bare = directory.appendingPathComponent("shard-bare-000001.h5")
        try writeHDF5File(at: future) { file in
            try file.setAttribute("schema", integer: Int64(Store.schemaVersion + 1))
        }
        try writeHDF5File(at: bare) { file in
            try file.writeStrings("items", ["a"])
        }

        let index = try ShardIndex.build(directory: directory)
        XCTAssertEqual(index.shards, [good])
        XCTAssertEqual(index.problems.count, 2)
        for problem in index.problems {
            switch problem {
            case .unsupportedSchema(let path, let found, let supported):
                XCTAssertEqual(path, future.path)
                XCTAssertEqual(found, Store.schemaVersion + 1)
                XCTAssertEqual(supported, Store.schemaVersion)
            case .schemaMismatch(let path, let detail):
                XCTAssertEqual(path, bare.path)
                XCTAssertTrue(detail.contains("'schema' is missing"), detail)
            default:
                XCTFail("unexpected problem \(problem)")
            }
        }
    }

    /// A plain HDF5 file shaped by `body`, through the module's own HDF5 layer.
    private func writeHDF5File(at url: URL, _ body: (HDF5File) throws -> Void) throws {
        try HDF5.serialized {
            let file = try HDF5File.create(path: url.path)
            defer { try? file.close() }
            try body(file)
        }
    }

    func testMissingDirectoryIsAnEmptyIndex() throws {
        let directory = try makeTemporaryDirectory().appendingPathComponent("not-yet")
        let index = try ShardIndex.build(directory: directory)
        XCTAssertEqual(index.count, 0)
        XCTAssertEqual(index.shards, [])
        XCTAssertEqual(index.problems.count, 0)
    }
}

/// The index keeps each shard's attributes, so callers need not reopen the files.
final class ShardIndexMetadataTests: XCTestCase {
    func testIndexReportsEachShardsMetadata() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("index-meta-\(UUID().uuidString)")
        let a = ShardMetadata(stage: "decode", fingerprint: "f1", params: "{\"a\":1}")
        let b = ShardMetadata(stage: "decode", fingerprint: "f2", params: "{\"a\":2}")
        for (worker, meta) in [("wa", a), ("wb", b)] {
            let writer = try ShardWriter(directory: folder, worker: worker, metadata: meta, payload: .none)
            try writer.append(item: "item-\(worker)", source: "s", frameIndex: [], rows: UnsafeRawBufferPointer(start: nil, count: 0))
            try writer.commit()
        }
        let index = try ShardIndex.build(directory: folder)
        XCTAssertEqual(index.shards.count, 2)
        XCTAssertEqual(Set(index.shards.compactMap { index.metadata(of: $0)?.fingerprint }), ["f1", "f2"])
        for shard in index.shards { XCTAssertEqual(index.metadata(of: shard), try ShardReader(url: shard).metadata) }
        XCTAssertNil(index.metadata(of: folder.appendingPathComponent("shard-x-000009.h5")))
    }
}
