import CHDF5
import Foundation
import XCTest
@testable import Store

/// zstd chunks coded by Store outside the HDF5 lock (`ZstdChunkCoder`, `ZstdChunkBuffer`) are the bytes
/// HDF5's own pipeline (its shuffle, the registered zstd filter, its Fletcher-32) stores for the same
/// rows, tuning included; items streamed in parts and cancelled items leave the chunks a shard without
/// them has.
final class ZstdChunksTests: XCTestCase {
    private static let rowsPerChunk = 4
    /// Items of 3, 6, 0 and 5 rows: chunks that span items, and a last chunk one row short.
    private static let rowsPerItem = [3, 6, 0, 5]

    /// Rows that compress (smooth, repeating with a small change), so a zstd tuning has something to do.
    private func rows(_ count: Int, of payload: Payload, seed: UInt64) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        let noise = random.bytes(count * payload.rowByteCount)
        return (0..<(count * payload.rowByteCount)).map { index in
            UInt8(truncatingIfNeeded: (index % payload.rowByteCount) / 7 + (index % 97 == 0 ? Int(noise[index]) : 0))
        }
    }

    private func shard(_ payload: Payload, _ compression: Compression, items: [(String, [UInt8])], cancelling cancelled: (after: Int, rows: [UInt8])? = nil,
                       in directory: URL) throws -> URL {
        let writer = try ShardWriter(directory: directory, worker: "w0", metadata: testMetadata(), payload: payload,
                                     layout: ShardLayout(compression: compression, rowsPerChunk: Self.rowsPerChunk))
        for (index, (item, bytes)) in items.enumerated() {
            let count = bytes.count / payload.rowByteCount
            try bytes.withUnsafeBytes { try writer.append(item: item, source: "s", frameIndex: (0..<count).map(Int32.init), rows: $0) }
            if let cancelled, cancelled.after == index {
                try writer.beginItem("cancelled", source: "s")
                let rowBytes = payload.rowByteCount
                // In parts of 1, 2, 3, … rows, as a video streams.
                var start = 0, part = 1
                while start * rowBytes < cancelled.rows.count {
                    let end = min(cancelled.rows.count / rowBytes, start + part)
                    try cancelled.rows[(start * rowBytes)..<(end * rowBytes)].withUnsafeBytes { try writer.appendRows($0) }
                    (start, part) = (end, part + 1)
                }
                try writer.cancelItem()
            }
        }
        return try writer.commit()
    }

    /// The stored bytes of every chunk of dataset `name`, in row order, read around the filters.
    private func storedChunks(_ path: String, _ name: String) throws -> [[UInt8]] {
        try HDF5.serialized {
            let file = try HDF5File.openReadOnly(path: path)
            defer { try? file.close() }
            return try file.withDataset(name) { dataset in
                let dims = try HDF5File.shape(ofDataset: dataset, path: path, name: name)
                var chunks: [[UInt8]] = []
                for first in stride(from: 0, to: dims[0], by: Self.rowsPerChunk) {
                    var offset = [hsize_t](repeating: 0, count: dims.count)
                    offset[0] = hsize_t(first)
                    var size: hsize_t = 0
                    XCTAssertGreaterThanOrEqual(H5Dget_chunk_storage_size(dataset, offset, &size), 0)
                    var bytes = [UInt8](repeating: 0, count: Int(size))
                    var mask: UInt32 = 0
                    XCTAssertGreaterThanOrEqual(H5Dread_chunk(dataset, vimo_h5p_default(), offset, &mask, &bytes), 0)
                    XCTAssertEqual(mask, 0, "chunk at row \(first) skipped a filter")
                    chunks.append(bytes)
                }
                return chunks
            }
        }
    }

    /// The same rows written with one H5Dwrite through HDF5's filter pipeline into a bare dataset.
    private func throughPipeline(_ payload: Payload, _ compression: Compression, rows bytes: [UInt8], at path: String) throws {
        try HDF5.serialized {
            let file = try HDF5File.create(path: path)
            defer { try? file.close() }
            guard let types = try PayloadTypes.of(payload, path: path), let name = payload.datasetName else { return XCTFail("no payload dataset") }
            defer { types.close() }
            let dataset = try RowDataset.create(in: file, name: name, fileType: types.file, memoryType: types.memory, rowShape: payload.rowShape,
                                                rowsPerChunk: Self.rowsPerChunk, compression: compression)
            XCTAssertNotNil(dataset.zstdChunks, "\(payload): ShardWriter would not code these chunks itself")
            try bytes.withUnsafeBytes { try dataset.append(at: 0, count: bytes.count / payload.rowByteCount, memoryType: types.memory, bytes: $0.baseAddress!) }
            try dataset.close()
        }
    }

    func testStoreCodedChunksAreTheBytesOfHDF5sPipeline() throws {
        let cases: [(Payload, Compression)] = [
            (.frames(height: 6, width: 5, channels: 3), StorageProfile.frameCompression),  // one-byte elements: no shuffle
            (.flow(height: 3, width: 4), StorageProfile.flowCompression),                  // float16: two-byte shuffle
            (.embeddings(dim: 7), .zstd(level: 3)),                                         // float32, the level alone
        ]
        for (index, (payload, compression)) in cases.enumerated() {
            let directory = try makeTemporaryDirectory()
            let items = Self.rowsPerItem.enumerated().map { ("item\($0.offset)", rows($0.element, of: payload, seed: UInt64(10 * index + $0.offset))) }
            let url = try shard(payload, compression, items: items, in: directory)
            let all = items.flatMap(\.1)
            let reference = directory.appendingPathComponent("pipeline.h5").path
            try throughPipeline(payload, compression, rows: all, at: reference)

            let name = try XCTUnwrap(payload.datasetName)
            let coded = try storedChunks(url.path, name), expected = try storedChunks(reference, name)
            XCTAssertEqual(coded.count, 4, "\(payload): 14 rows in chunks of 4")
            XCTAssertEqual(coded, expected, "\(payload) \(compression): Store's chunks differ from HDF5's pipeline's")
            // HDF5 reads them back through its filters (its unshuffle, the zstd filter, its checksum check).
            let reader = try ShardReader(url: url)
            switch payload {
            case .frames: XCTAssertEqual(try reader.readFrames(rows: 0..<14), all)
            case .flow: XCTAssertEqual(try reader.readFlowHalf(rows: 0..<14).flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }, all)
            default: XCTAssertEqual(try reader.readEmbeddings(rows: 0..<14).flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }, all)
            }
            XCTAssertEqual(ShardCheck.read(url).verdict, .intact, "\(payload)")
        }
    }

    /// Reads of any row range (chunks decoded outside the HDF5 lock, the last one kept for the next read)
    /// give the rows HDF5's own pipeline reads, and a damaged chunk is still named by its rows.
    func testAnyRowRangeReadsTheRowsHDF5Reads() throws {
        let payload = Payload.flow(height: 3, width: 4)
        let directory = try makeTemporaryDirectory()
        let items = Self.rowsPerItem.enumerated().map { ("item\($0.offset)", rows($0.element, of: payload, seed: UInt64(30 + $0.offset))) }
        let url = try shard(payload, StorageProfile.flowCompression, items: items, in: directory)
        let all = items.flatMap(\.1), rowBytes = payload.rowByteCount
        let reader = try ShardReader(url: url)
        XCTAssertNotNil(reader.zstdPayload, "the reader does not decode these chunks itself")
        func bytes(_ halves: [Float16]) -> [UInt8] { halves.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) } }
        for start in 0..<14 {
            for end in (start + 1)...14 {
                XCTAssertEqual(bytes(try reader.readFlowHalf(rows: start..<end)), Array(all[(start * rowBytes)..<(end * rowBytes)]), "rows \(start)..<\(end)")
            }
        }
        // Through HDF5's filters (its unshuffle, zstd filter and checksum), as ShardCheck reads.
        var throughHDF5 = [UInt8](repeating: 0, count: all.count)
        let half = try HDF5.serialized { try HDF5Types.float16(path: url.path) }
        defer { HDF5.serialized { _ = H5Tclose(half) } }
        try throughHDF5.withUnsafeMutableBytes {
            try reader.file.readRows("flow", rows: 0..<14, rowShape: payload.rowShape, memoryType: { half }, into: $0.baseAddress!)
        }
        XCTAssertEqual(throughHDF5, all)

        // One flipped byte in chunk 1 (rows 4..<8): reads touching it fail naming those rows, others still read.
        let chunk = try XCTUnwrap(try reader.chunkLocations(of: "flow").first { $0.rows == 4..<8 })
        let handle = try FileHandle(forUpdating: url)
        try handle.seek(toOffset: chunk.fileOffset + UInt64(chunk.storedBytes / 2))
        let byte = try XCTUnwrap(try handle.read(upToCount: 1))
        try handle.seek(toOffset: chunk.fileOffset + UInt64(chunk.storedBytes / 2))
        try handle.write(contentsOf: [byte[0] ^ 0x40])
        try handle.close()
        let damaged = try ShardReader(url: url)
        assertStoreError(try damaged.readFlowHalf(rows: 2..<9)) { error in
            guard case .checksumMismatch(_, "flow", let rows) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(rows, 4..<8)
        }
        XCTAssertEqual(bytes(try damaged.readFlowHalf(rows: 8..<14)), Array(all[(8 * rowBytes)...]))
    }

    func testTheTuningIsRecordedAndChangesTheChunks() throws {
        let payload = Payload.frames(height: 16, width: 16, channels: 3)
        let directory = try makeTemporaryDirectory()
        let bytes = rows(14, of: payload, seed: 3)
        let tuned = Compression.zstd(level: 1, tuning: ZstdTuning(strategy: .lazy, hashLog: 12, minMatch: 3))
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        try throughPipeline(payload, tuned, rows: bytes, at: path("tuned.h5"))
        try throughPipeline(payload, .zstd(level: 1), rows: bytes, at: path("level.h5"))
        XCTAssertNotEqual(try storedChunks(path("tuned.h5"), "frames"), try storedChunks(path("level.h5"), "frames"),
                          "the tuning changed nothing: it is not reaching zstd")
        XCTAssertEqual(tuned.description, "zstd:1+strategy=lazy,hashlog=12,minmatch=3")
        let values = try HDF5.serialized { () throws -> [UInt32] in
            let file = try HDF5File.openReadOnly(path: path("tuned.h5"))
            defer { try? file.close() }
            return try file.withDataset("frames") { dataset in
                let creation = H5Dget_create_plist(dataset)
                defer { H5Pclose(creation) }
                var flags: UInt32 = 0, count = 8, config: UInt32 = 0
                var values = [UInt32](repeating: 0, count: 8), name = [CChar](repeating: 0, count: 64)
                XCTAssertGreaterThanOrEqual(H5Pget_filter_by_id2(creation, 32015, &flags, &count, &values, name.count, &name, &config), 0)
                return Array(values.prefix(count))
            }
        }
        XCTAssertEqual(values, [1, UInt32(ZstdTuning.Strategy.lazy.rawValue), 12, 3], "level first (what hdf5plugin reads), then the tuning")
    }

    func testACancelledItemLeavesTheChunksOfAShardWithoutIt() throws {
        let payload = Payload.flow(height: 3, width: 4)
        let items = Self.rowsPerItem.enumerated().map { ("item\($0.offset)", rows($0.element, of: payload, seed: UInt64(20 + $0.offset))) }
        // Cancelled after 3 rows (mid-chunk 0; chunks 0–2 are written while it is open), after 9 (mid-chunk 2),
        // after 9 again (behind the empty item) and after 14 (the end); 10 rows each time, in parts.
        for after in 0..<items.count {
            let directory = try makeTemporaryDirectory()
            let plain = try shard(payload, StorageProfile.flowCompression, items: items, in: directory.appendingPathComponent("plain"))
            let cancelled = try shard(payload, StorageProfile.flowCompression, items: items,
                                      cancelling: (after, rows(10, of: payload, seed: 99)), in: directory.appendingPathComponent("cancelled"))
            XCTAssertEqual(try storedChunks(cancelled.path, "flow"), try storedChunks(plain.path, "flow"), "cancelled after item \(after)")
            let reader = try ShardReader(url: cancelled)
            XCTAssertEqual(reader.rowCount, 14)
            XCTAssertEqual(try reader.chunkLocations(of: "flow").map(\.rows).last?.upperBound, 14, "no chunk beyond the last row")
            XCTAssertEqual(ShardCheck.read(cancelled).verdict, .intact)
        }
    }
}
