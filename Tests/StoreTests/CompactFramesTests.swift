import Foundation
import XCTest
@testable import Store

/// The `compact` storage profile's frames (DESIGN.md §5b): JPEG blobs written and decoded inside Store,
/// checked for quality (PSNR against the frames written), layout, streaming, damage and compaction.
/// Pillow's decoding of the same blobs is compared in `testPillowDecodesTheBlobsToTheSameFrames`.
final class CompactFramesTests: XCTestCase {
    /// Frames with the statistics of footage: luma gradients, a brighter reddish disc that moves, dark bars,
    /// a little fine texture. Pillow codes the first at quality 95 to 41.5 dB (4:4:4) and 40.0 dB (4:2:0),
    /// 5.8× and 6.6× smaller, close to what the storage issue measured on real clips.
    static func scene(width: Int, height: Int, index: Int) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let cx = Double(width) * (0.3 + 0.04 * Double(index)), cy = Double(height) * 0.5, r = Double(min(width, height)) / 5
        for y in 0..<height {
            for x in 0..<width {
                let inside = (Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy) < r * r
                let texture = (x * 7 + y * 13 + index * 3) % 11 - 5
                let l = 60 + y + x / 2 + texture + (inside ? 70 : 0) - (x % 64 < 8 ? 40 : 0)
                let rgb = [l + 10 + (inside ? 30 : 0), l, l - 20 + x / 4 - (inside ? 30 : 0)]
                for c in 0..<3 { pixels[(y * width + x) * 3 + c] = UInt8(clamping: rgb[c]) }
            }
        }
        return pixels
    }

    static func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
        let mse = zip(a, b).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) } / Double(a.count)
        return 10 * log10(255 * 255 / mse)
    }

    private func writeCompact(_ items: [(String, Int)], settings: JPEGSettings = .default, in directory: URL, worker: String = "w0",
                              width: Int = 96, height: Int = 64) throws -> (URL, [[UInt8]]) {
        let payload = Payload.frames(height: height, width: width, channels: 3)
        let profile = StorageProfile.compact(settings)
        let metadata = ShardMetadata(stage: "decode", fingerprint: "f", params: "{}", storage: profile.attribute(for: payload))
        let writer = try ShardWriter(directory: directory, worker: worker, metadata: metadata, payload: payload,
                                     layout: profile.layout(for: payload))
        var written: [[UInt8]] = []
        for (item, rows) in items {
            let frames = (0..<rows).map { Self.scene(width: width, height: height, index: written.count + $0) }
            written += frames
            try writer.append(item: item, source: "s-\(item)", frameIndex: (0..<rows).map(Int32.init), frames: Array(frames.joined()))
        }
        return (try writer.commit(), written)
    }

    func testProfileSpellingsLayoutsAndAttributes() throws {
        let frames = Payload.frames(height: 224, width: 224, channels: 3), flow = Payload.flow(height: 224, width: 224)
        XCTAssertEqual(try StorageProfile(parsing: "compact"), .compact(.default))
        XCTAssertEqual(JPEGSettings.default, JPEGSettings(quality: 95, subsampling: .s420))
        let custom = try StorageProfile(parsing: "compact:quality=90,subsampling=444")
        XCTAssertEqual(custom, .compact(JPEGSettings(quality: 90, subsampling: .s444)))
        XCTAssertEqual(custom.description, "compact:quality=90,subsampling=444")
        XCTAssertEqual(try StorageProfile(parsing: "compact:subsampling=444,quality=90"), custom)
        XCTAssertEqual(try StorageProfile(parsing: "compact:quality=95").description, "compact", "defaults are not spelled out")
        XCTAssertEqual(StorageProfile.compact(.default).layout(for: frames), ShardLayout(jpeg: .default))
        XCTAssertEqual(StorageProfile.compact(.default).layout(for: flow),
                       ShardLayout(compression: .zstd(level: 3, tuning: ZstdTuning(hashLog: 16, minMatch: 4)), rowsPerChunk: 4))
        XCTAssertEqual(StorageProfile.compact(.default).flowRoundingBits, 8)
        XCTAssertEqual(StorageProfile.compact(.default).attribute(for: frames), "compact;jpeg_quality=95;jpeg_subsampling=420")
        XCTAssertEqual(custom.attribute(for: flow), "compact;flow_rounding_bits=8")
        for bad in ["compact:quality=0", "compact:quality=101", "compact:subsampling=422", "compact:q=90", "compact:", "exact:quality=90"] {
            assertStoreError(try StorageProfile(parsing: bad)) { error in
                XCTAssertTrue(error.localizedDescription.hasPrefix("invalid storage profile '\(bad)': "), error.localizedDescription)
            }
        }
    }

    func testFramesComeBackDecodedCloseToWhatWasWrittenAndSmaller() throws {
        let directory = try makeTemporaryDirectory()
        // Items of 5, 0, 12 and 1 rows: blobs of different items sit back to back in one byte dataset.
        let (url, written) = try writeCompact([("a", 5), ("empty", 0), ("b", 12), ("c", 1)], in: directory)
        let reader = try ShardReader(url: url)
        XCTAssertTrue(reader.framesAreJPEG)
        XCTAssertEqual(reader.payload, .frames(height: 64, width: 96, channels: 3))
        XCTAssertEqual(reader.metadata.storage, "compact;jpeg_quality=95;jpeg_subsampling=420")
        XCTAssertEqual(try reader.filterIDs(of: "frames_jpeg"), [Checksums.filterID], "checksummed, not compressed again")
        let all = try reader.readFrames(rows: 0..<reader.rowCount)
        XCTAssertEqual(all.count, 18 * 96 * 64 * 3)
        let frameBytes = 96 * 64 * 3
        for (row, frame) in written.enumerated() {
            let decoded = Array(all[(row * frameBytes)..<((row + 1) * frameBytes)])
            XCTAssertGreaterThan(Self.psnr(decoded, frame), 38, "row \(row)")
            XCTAssertEqual(try reader.readFrames(rows: row..<(row + 1)), decoded, "row \(row) alone decodes as in the whole read")
        }
        XCTAssertEqual(reader.rows(ofItem: 1), 5..<5)
        XCTAssertEqual(try reader.readFrames(rows: 5..<5), [])
        XCTAssertEqual(try reader.readFrames(rows: 3..<9), Array(all[(3 * frameBytes)..<(9 * frameBytes)]), "rows across items")
        let blobBytes = try reader.readJPEG(rows: 0..<reader.rowCount).blobs.count
        XCTAssertLessThan(blobBytes * 5, written.count * frameBytes, "JPEG at quality 95 is at least 5× smaller than these pixels")
        XCTAssertEqual(ShardCheck.read(url).verdict, .intact)
        XCTAssertThrowsError(try reader.readFrames(rows: 17..<19))
    }

    func testQualityAndSubsamplingTradeBytesForFidelity() throws {
        let directory = try makeTemporaryDirectory()
        var results: [(bytes: Int, psnr: Double)] = []
        for (index, settings) in [JPEGSettings(quality: 95, subsampling: .s444), .default, JPEGSettings(quality: 50, subsampling: .s420)].enumerated() {
            let (url, written) = try writeCompact([("a", 4)], settings: settings, in: directory, worker: "q\(index)")
            let reader = try ShardReader(url: url)
            let decoded = try reader.readFrames(rows: 0..<4)
            results.append((try reader.readJPEG(rows: 0..<4).blobs.count, Self.psnr(decoded, Array(written.joined()))))
        }
        XCTAssertGreaterThan(results[0].bytes, results[1].bytes, "4:4:4 keeps more chroma: more bytes")
        XCTAssertGreaterThan(results[0].psnr, results[1].psnr + 1)
        XCTAssertGreaterThan(results[1].bytes, results[2].bytes, "quality 50 is smaller")
        XCTAssertGreaterThan(results[1].psnr, results[2].psnr + 3)
    }

    func testItemsStreamedInPartsAndACancelledItemLeaveConsistentBlobs() throws {
        let directory = try makeTemporaryDirectory()
        let payload = Payload.frames(height: 32, width: 48, channels: 3)
        let writer = try ShardWriter(directory: directory, worker: "w0", metadata: ShardMetadata(stage: "decode", fingerprint: "f", params: "{}"),
                                     payload: payload, layout: ShardLayout(jpeg: .default))
        let frames = (0..<7).map { Self.scene(width: 48, height: 32, index: $0) }
        try writer.beginItem("long", source: "s1")
        for part in [frames[0..<3], frames[3..<4]] { try Array(part.joined()).withUnsafeBytes { try writer.appendRows($0) } }
        try writer.finishItem(frameIndex: [0, 1, 2, 3])
        try writer.beginItem("dropped", source: "s2")
        try Array(frames[4..<6].joined()).withUnsafeBytes { try writer.appendRows($0) }
        try writer.cancelItem()
        try writer.append(item: "after", source: "s3", frameIndex: [9], frames: frames[6])
        let reader = try ShardReader(url: try writer.commit())
        XCTAssertEqual(reader.items, ["long", "after"])
        XCTAssertEqual(reader.rowCount, 5)
        let decoded = try reader.readFrames(rows: 0..<5)
        let expected = [frames[0], frames[1], frames[2], frames[3], frames[6]]
        for row in 0..<5 {
            XCTAssertGreaterThan(Self.psnr(Array(decoded[(row * payload.rowByteCount)..<((row + 1) * payload.rowByteCount)]), expected[row]), 34,
                                 "row \(row): the cancelled item's blobs are gone, the next item's follow")
        }
        XCTAssertEqual(ShardCheck.read(reader.url).verdict, .intact)
    }

    func testDamagedBlobsAreFoundByChecksumAndUndecodableOnesByName() throws {
        let directory = try makeTemporaryDirectory()
        let (url, _) = try writeCompact([("a", 6)], in: directory)
        // One byte of the blob dataset flipped on disk: Fletcher-32 finds it.
        let chunk = try XCTUnwrap(try ShardReader(url: url).chunkLocations(of: "frames_jpeg").first)
        let handle = try FileHandle(forUpdating: url)
        try handle.seek(toOffset: chunk.fileOffset + 1000)
        let byte = try XCTUnwrap(handle.readData(ofLength: 1).first)
        try handle.seek(toOffset: chunk.fileOffset + 1000)
        handle.write(Data([byte ^ 0x5A]))
        try handle.close()
        let check = ShardCheck.read(url)
        XCTAssertEqual(check.verdict, .damaged)
        XCTAssertTrue(check.problems.first?.contains("dataset 'frames_jpeg'") == true && check.problems.first?.contains("Fletcher-32") == true,
                      "\(check.problems)")

        // Bytes whose checksum is right but that are no JPEG (what a faulty writer could commit): named by row.
        let payload = Payload.frames(height: 64, width: 96, channels: 3)
        let writer = try ShardWriter(directory: directory, worker: "junk", metadata: ShardMetadata(stage: "decode", fingerprint: "f", params: "{}"),
                                     payload: payload, layout: ShardLayout(jpeg: .default))
        let good = try JPEGCodec.encode(Self.scene(width: 96, height: 64, index: 0), width: 96, height: 64, channels: 3, settings: .default, path: "-")
        let small = try JPEGCodec.encode(Self.scene(width: 48, height: 32, index: 0), width: 48, height: 32, channels: 3, settings: .default, path: "-")
        let junk = [UInt8](repeating: 7, count: 300)
        try writer.append(item: "x", source: "s", frameIndex: [0, 1, 2], jpegBlobs: good + junk + small, lengths: [good.count, junk.count, small.count],
                          labels: nil)
        let reader = try ShardReader(url: try writer.commit())
        XCTAssertEqual(try reader.readFrames(rows: 0..<1).count, payload.rowByteCount)
        assertStoreError(try reader.readFrames(rows: 0..<3)) { error in
            guard case .corruptFrame(_, let row, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(row, 1, "the first bad row is named")
        }
        assertStoreError(try reader.readFrames(rows: 2..<3)) { error in
            XCTAssertTrue(error.localizedDescription.contains("a 48×32 JPEG in a dataset of 96×64 frames"), error.localizedDescription)
        }
        let verdict = ShardCheck.read(reader.url)
        XCTAssertEqual(verdict.verdict, .damaged)
        XCTAssertEqual(verdict.problems.count, 1, "one block, its first bad row: \(verdict.problems)")
        XCTAssertTrue(verdict.problems[0].contains("frame row 1: not a decodable JPEG"), verdict.problems[0])
    }

    func testCompactionCopiesTheBlobsAsCodedInsteadOfCodingThemAgain() throws {
        let directory = try makeTemporaryDirectory()
        let (first, _) = try writeCompact([("kept", 3), ("replaced", 2)], in: directory, worker: "w0")
        let before = try ShardReader(url: first)
        let keptBlobs = try before.readJPEG(rows: before.rows(ofItem: 0))
        let keptFrames = try before.readFrames(rows: before.rows(ofItem: 0))
        Thread.sleep(forTimeInterval: 0.01)  // a later commit time for the replacement
        _ = try writeCompact([("replaced", 4)], in: directory, worker: "w1")
        let result = try ShardCompaction.dropSuperseded(in: directory, layout: StorageProfile.compact(.default).layout(for: before.payload))
        XCTAssertEqual(result.droppedItems, ["replaced"])
        let rewritten = try ShardReader(url: try XCTUnwrap(result.rewritten.first?.new))
        XCTAssertEqual(rewritten.items, ["kept"])
        let after = try rewritten.readJPEG(rows: 0..<3)
        XCTAssertEqual(after.blobs, keptBlobs.blobs, "the blobs are byte-identical: no second generation of JPEG loss")
        XCTAssertEqual(after.ends, keptBlobs.ends)
        XCTAssertEqual(try rewritten.readFrames(rows: 0..<3), keptFrames)
    }
}
