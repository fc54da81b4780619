import Foundation
import XCTest
@testable import Store

/// Compression is a stage option: spec strings round-trip, and compressed shards read back exactly.
final class CompressionTests: XCTestCase {
    func testSpecStringsRoundTrip() throws {
        let cases: [(String, Compression, String)] = [
            ("none", .none, "none"), ("gzip", .gzip(level: 4), "gzip:4"), ("gzip:1", .gzip(level: 1), "gzip:1"),
            ("lz4", .lz4, "lz4"), ("zstd", .zstd(level: 3), "zstd:3"), ("zstd:19", .zstd(level: 19), "zstd:19"),
        ]
        for (spec, expected, description) in cases {
            let parsed = try Compression(parsing: spec)
            XCTAssertEqual(parsed, expected, spec)
            XCTAssertEqual(parsed.description, description)
            XCTAssertEqual(try Compression(parsing: parsed.description), parsed)
        }
        for bad in ["", "gzip:", "gzip:10", "gzip:x", "lz4:1", "zstd:0", "brotli", "GZIP"] {
            assertStoreError(try Compression(parsing: bad)) { error in
                guard case .invalidCompression(let spec, _) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(spec, bad)
                XCTAssertTrue(error.localizedDescription.contains("'\(bad)'"), error.localizedDescription)
            }
        }
        XCTAssertTrue(Compression.none.isAvailable)
        XCTAssertTrue(Compression.gzip(level: 1).isAvailable)
    }

    func testGzipRoundTripIsExactAndSmallerOnSmoothFrames() throws {
        let directory = try makeTemporaryDirectory()
        let (raw, gzip) = try writeSmoothAndNoisyFrames(directory, compression: .gzip(level: 1), worker: "gzip")
        XCTAssertLessThan(gzip, raw / 2, "smooth frames must compress: \(gzip) vs \(raw) bytes")
    }

    func testLZ4RoundTripWhenThePluginIsInstalled() throws {
        try XCTSkipUnless(Compression.lz4.isAvailable, "HDF5 filter 32004 missing: apt-get install hdf5-filter-plugin")
        let directory = try makeTemporaryDirectory()
        let (raw, lz4) = try writeSmoothAndNoisyFrames(directory, compression: .lz4, worker: "lz4")
        XCTAssertLessThan(lz4, raw / 2, "smooth frames must compress: \(lz4) vs \(raw) bytes")
    }

    /// Writes the same smooth and noisy frames uncompressed and with `compression`, checks both
    /// read back exactly, and returns the two file sizes of the smooth shard.
    private func writeSmoothAndNoisyFrames(_ directory: URL, compression: Compression, worker: String) throws -> (Int, Int) {
        let payload = Payload.frames(height: 64, width: 64, channels: 3)
        let smooth = (0..<4).flatMap { frame in
            (0..<(64 * 64 * 3)).map { i in UInt8(truncatingIfNeeded: (i / 3 % 64) * 2 + (i / 192) + frame * 7) }
        }
        var random = SplitMix64(seed: 21)
        let noisy = random.bytes(4 * payload.rowByteCount)
        var sizes: [Int] = []
        for (variant, method) in [("raw", Compression.none), ("packed", compression)] {
            let writer = try ShardWriter(directory: directory, worker: "\(worker)-\(variant)", metadata: testMetadata(),
                                         payload: payload, compression: method)
            try writer.append(item: "smooth", source: "s", frameIndex: [0, 1, 2, 3], frames: smooth)
            try writer.append(item: "noisy", source: "n", frameIndex: [0, 1, 2, 3], frames: noisy)
            let url = try writer.commit()
            let reader = try ShardReader(url: url)
            XCTAssertTrue(try reader.readFrames(rows: 0..<4) == smooth, "\(method): smooth frames differ")
            XCTAssertTrue(try reader.readFrames(rows: 4..<8) == noisy, "\(method): noisy frames differ")
            sizes.append(try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int))
        }
        // Half of each file is incompressible noise; compare what the smooth half saves.
        let noise = noisy.count
        return (sizes[0] - noise, sizes[1] - noise)
    }
}
