import Foundation
import XCTest
import CHDF5
@testable import Store

/// Bad input is refused with a typed error naming the file and item, and leaves the writer usable.
final class ErrorTests: XCTestCase {
    private let payload = Payload.frames(height: 2, width: 2, channels: 3)

    private func makeWriter(_ directory: URL, labelCount: Int? = 2) throws -> ShardWriter {
        try ShardWriter(directory: directory, worker: "w", metadata: testMetadata(), payload: payload, labelCount: labelCount)
    }

    func testWrongRowByteCount() throws {
        let writer = try makeWriter(try makeTemporaryDirectory())
        assertStoreError(try writer.append(item: "short", source: "s", frameIndex: [0, 1], frames: [UInt8](repeating: 0, count: 23),
                                           labels: [0, 1])) { error in
            guard case .rowSizeMismatch(let path, let item, let expected, let actual) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, writer.temporaryURL.path)
            XCTAssertEqual(item, "short")
            XCTAssertEqual(expected, 24)
            XCTAssertEqual(actual, 23)
            XCTAssertTrue(error.localizedDescription.contains("item 'short'"), error.localizedDescription)
            XCTAssertTrue(error.localizedDescription.contains(writer.temporaryURL.lastPathComponent), error.localizedDescription)
        }
        XCTAssertEqual(writer.itemCount, 0, "a refused item leaves no trace")
        try writer.append(item: "short", source: "s", frameIndex: [0, 1], frames: [UInt8](repeating: 0, count: 24), labels: [0, 1])
        XCTAssertEqual(try ShardReader(url: try writer.commit()).items, ["short"])
    }

    func testWrongLabelCount() throws {
        let directory = try makeTemporaryDirectory()
        let writer = try makeWriter(directory)
        assertStoreError(try writer.append(item: "v", source: "s", frameIndex: [], frames: [], labels: [1])) { error in
            guard case .labelCountMismatch(_, "v", 2, 1) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(error.localizedDescription.contains("1 labels given, the writer expects 2 labels"), error.localizedDescription)
        }
        assertStoreError(try writer.append(item: "v", source: "s", frameIndex: [], frames: [])) { error in
            guard case .labelCountMismatch(_, "v", 2, nil) = error else { return XCTFail("\(error)") }
        }
        let unlabelled = try makeWriter(directory, labelCount: nil)
        assertStoreError(try unlabelled.append(item: "v", source: "s", frameIndex: [], frames: [], labels: [1, 0])) { error in
            guard case .labelCountMismatch(_, "v", nil, 2) = error else { return XCTFail("\(error)") }
        }
    }

    func testDuplicateItem() throws {
        let writer = try makeWriter(try makeTemporaryDirectory())
        try writer.append(item: "twice", source: "s", frameIndex: [], frames: [], labels: [0, 0])
        assertStoreError(try writer.append(item: "twice", source: "other", frameIndex: [], frames: [], labels: [0, 0])) { error in
            guard case .duplicateItem(let path, "twice") = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, writer.temporaryURL.path)
            XCTAssertTrue(error.localizedDescription.contains("'twice' was already appended"), error.localizedDescription)
        }
        XCTAssertEqual(writer.itemCount, 1)
    }

    func testUnstorableTextAndWrongPayloadKind() throws {
        let writer = try makeWriter(try makeTemporaryDirectory())
        assertStoreError(try writer.append(item: "", source: "s", frameIndex: [], frames: [], labels: [0, 0])) { error in
            guard case .invalidText = error else { return XCTFail("\(error)") }
        }
        assertStoreError(try writer.append(item: "a\u{0}b", source: "s", frameIndex: [], frames: [], labels: [0, 0])) { error in
            guard case .invalidText = error else { return XCTFail("\(error)") }
        }
        assertStoreError(try writer.append(item: "f", source: "s", frameIndex: [0], flow: [0, 0], labels: [0, 0])) { error in
            guard case .payloadMismatch(_, "flow", let stored) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(stored, "frames (2×2×3)")
        }
        let reader = try ShardReader(url: try writer.commit())
        assertStoreError(try reader.readEmbeddings(rows: 0..<0)) { error in
            guard case .payloadMismatch(_, "embeddings", _) = error else { return XCTFail("\(error)") }
        }
        assertStoreError(try reader.readFrames(rows: 0..<1)) { error in
            guard case .outOfRange(_, "rows", _, 0) = error else { return XCTFail("\(error)") }
        }
    }

    func testZstdIsBuiltInAndPluginFiltersNameWhatToInstall() throws {
        // Filter 32015 is packaged by no Debian 12 package: Store registers its own, whatever HDF5_PLUGIN_PATH says.
        XCTAssertTrue(Compression.zstd(level: 3).isAvailable, "Store's built-in zstd filter is not registered")
        XCTAssertEqual(Compression.zstd(level: 3).filterIDs, [H5Z_filter_t(H5Z_FILTER_SHUFFLE), 32015])
        let error = StoreError.filterUnavailable(path: "/x/shard.h5", compression: "lz4", filterID: 32004, remedy: Compression.lz4.remedy)
        XCTAssertTrue(error.localizedDescription.contains("apt-get install hdf5-filter-plugin"), error.localizedDescription)
        XCTAssertTrue(error.localizedDescription.hasPrefix("/x/shard.h5"), error.localizedDescription)
        XCTAssertFalse(Compression.zstd(level: 3).remedy.lowercased().contains("bitshuffle"), "Debian 12 ships no bitshuffle plugin")
    }

    func testBadWriterArguments() throws {
        let directory = try makeTemporaryDirectory()
        for worker in ["", "a.b", "a/b", "ü"] {
            assertStoreError(try ShardWriter(directory: directory, worker: worker, metadata: testMetadata(), payload: payload)) { error in
                guard case .invalidWorkerName(worker) = error else { return XCTFail("\(error)") }
            }
        }
        assertStoreError(try ShardWriter(directory: directory, worker: "w", metadata: testMetadata(),
                                         payload: .frames(height: 0, width: 2, channels: 3))) { error in
            guard case .invalidShape = error else { return XCTFail("\(error)") }
        }
        assertStoreError(try makeWriter(directory, labelCount: 0)) { error in
            guard case .invalidShape = error else { return XCTFail("\(error)") }
        }
        var future = testMetadata()
        future.schema = Store.schemaVersion + 1
        assertStoreError(try ShardWriter(directory: directory, worker: "w", metadata: future, payload: payload)) { error in
            guard case .schemaMismatch = error else { return XCTFail("\(error)") }
        }
    }

    func testCommitTwiceAndAppendAfterCommitAreRefused() throws {
        let writer = try makeWriter(try makeTemporaryDirectory())
        let shard = try writer.commit()
        assertStoreError(try writer.commit()) { error in
            guard case .writerNotOpen(_, let state) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(state.contains(shard.lastPathComponent), state)
        }
        assertStoreError(try writer.append(item: "late", source: "s", frameIndex: [], frames: [], labels: [0, 0])) { error in
            guard case .writerNotOpen = error else { return XCTFail("\(error)") }
        }
        writer.discard()
        XCTAssertTrue(FileManager.default.fileExists(atPath: shard.path), "discard never deletes a committed shard")
    }

    func testCommitOfAVanishedTemporaryFailsAndNamesIt() throws {
        let directory = try makeTemporaryDirectory()
        let writer = try makeWriter(directory)
        try writer.append(item: "a", source: "s", frameIndex: [0], frames: [UInt8](repeating: 9, count: 12), labels: [1, 1])
        try FileManager.default.removeItem(at: writer.temporaryURL)  // e.g. an overeager cleaner
        assertStoreError(try writer.commit()) { error in
            guard case .system(let path, _, ENOENT) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, writer.temporaryURL.path)
        }
        assertStoreError(try writer.commit()) { error in
            guard case .writerNotOpen(_, let state) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(state.contains("failed commit"), state)
        }
        XCTAssertEqual(try listing(directory), [], "no shard appears")
    }

    func testMissingFileCarriesHDF5sMessage() throws {
        let missing = try makeTemporaryDirectory().appendingPathComponent("shard-nope-000001.h5")
        assertStoreError(try ShardReader(url: missing)) { error in
            guard case .hdf5(let path, "H5Fopen", let message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, missing.path)
            XCTAssertTrue(message.contains("unable to open file"), message)
        }
    }
}
