import Foundation
import XCTest
@testable import Store
#if canImport(Glibc)
import Glibc
#endif

/// Integrity (DESIGN.md §5b): every numeric dataset a writer creates carries HDF5's Fletcher-32
/// checksum, h5py reads such shards exactly and sees the filter, a flipped byte on disk becomes a
/// read error naming shard, dataset and rows (never a wrong number), and `ShardCheck` tells intact,
/// damaged and old unchecksummed shards apart.
final class IntegrityTests: XCTestCase {
    static let python = "/usr/bin/python3"
    static let checkScript = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("interop/check_shard.py")

    // MARK: - The filter is there, and h5py reads through it

    func testEveryNumericDatasetIsChecksummedAndH5pyReadsItBackExactly() throws {
        try requireH5py()
        let directory = try makeTemporaryDirectory()
        var cases: [(InteropSpec, Compression)] = [
            (InteropSpecs.frames(compression: "gzip"), .gzip(level: 1)),
            (InteropSpecs.frames(compression: "none"), .none),  // one-row chunks written whole (DirectChunks)
            (InteropSpecs.flow(compression: "none"), .none),
            (InteropSpecs.embeddings(compression: "none"), .none),
        ]
        if Compression.lz4.isAvailable { cases.append((InteropSpecs.flow(compression: "lz4"), .lz4)) }
        for (index, (spec, compression)) in cases.enumerated() {
            let shard = try write(spec, compression: compression, in: directory, worker: "w\(index)")

            // Swift's view of the pipeline: compression first, the checksum last (as h5py orders them).
            let reader = try ShardReader(url: shard)
            let payload = try XCTUnwrap(reader.payload.datasetName)
            XCTAssertEqual(try reader.filterIDs(of: payload), compression.filterIDs.map { Int($0) } + [Checksums.filterID])
            for name in ["offsets", "frame_index"] + (spec.labels == nil ? [] : ["labels"]) {
                XCTAssertEqual(try reader.filterIDs(of: name), [Checksums.filterID], name)
            }

            // h5py's: every value exact (check_shard.py also asserts `fletcher32` on each numeric dataset) …
            let specURL = directory.appendingPathComponent("expected-\(index).json")
            try spec.write(to: specURL)
            let exact = try run(Self.python, [Self.checkScript.path, "verify", shard.path, specURL.path])
            XCTAssertEqual(exact.status, 0, "h5py disagrees with \(shard.lastPathComponent) (\(compression)):\n\(exact.output)")
            // … and the flag itself, dataset by dataset.
            let flags = try run(Self.python, ["-c", """
                import h5py, sys
                with h5py.File(sys.argv[1], "r") as f:
                    print(" ".join(f"{name}={f[name].fletcher32}" for name in sorted(f.keys())))
                """, shard.path])
            XCTAssertEqual(flags.status, 0, flags.output)
            var expected = ["frame_index=True", "items=False", "offsets=True", "source=False", "\(payload)=True"]
            if spec.labels != nil { expected.append("labels=True") }
            XCTAssertEqual(flags.output.split(whereSeparator: \.isWhitespace).map(String.init).sorted(), expected.sorted())
        }
    }

    func testShardsWrittenWithoutChecksumsStillReadAndCheckAsIntact() throws {
        try requireH5py()
        let directory = try makeTemporaryDirectory()
        let spec = InteropSpecs.frames(compression: "gzip")
        let specURL = directory.appendingPathComponent("spec.json")
        try spec.write(to: specURL)
        let shard = directory.appendingPathComponent("shard-py-000001.h5")
        let written = try run(Self.python, [Self.checkScript.path, "write", shard.path, specURL.path])
        XCTAssertEqual(written.status, 0, written.output)

        let reader = try ShardReader(url: shard)
        XCTAssertEqual(try reader.filterIDs(of: "frames"), Compression.gzip(level: 4).filterIDs.map { Int($0) }, "h5py wrote no checksum")
        XCTAssertEqual(try reader.readFrames(rows: 0..<reader.rowCount).map(UInt32.init), spec.payload.bits)
        let check = ShardCheck.read(shard)
        XCTAssertEqual(check.verdict, .intact, check.problems.joined(separator: "\n"))
        XCTAssertFalse(check.checksummed)
        XCTAssertEqual(check.items, spec.items)
    }

    // MARK: - Store's own checksum is HDF5's

    func testFletcher32MatchesHDF5sDefinitionAtEveryLength() {
        var random = SplitMix64(seed: 5)
        let data = random.bytes(4000)
        for length in Array(0...800) + [1439, 1440, 1441, 3999, 4000] {
            let bytes = Array(data.prefix(length))
            XCTAssertEqual(bytes.withUnsafeBytes { Fletcher32.checksum($0) }, Fletcher32.referenceChecksum(bytes), "\(length) bytes")
        }
        // Sums that fold to 0xffff (all bits set) and to zero, where a different reduction would differ.
        for bytes in [[UInt8](repeating: 0xff, count: 150_528), [UInt8](repeating: 0xff, count: 720), [UInt8](repeating: 0, count: 999)] {
            XCTAssertEqual(bytes.withUnsafeBytes { Fletcher32.checksum($0) }, Fletcher32.referenceChecksum(bytes))
        }
    }

    func testWholeChunksWrittenByStoreAreTheBytesHDF5sFilterWrites() throws {
        try requireH5py()
        let directory = try makeTemporaryDirectory()
        let (shard, frames) = try writeFrames(in: directory, compression: .none)
        let reference = directory.appendingPathComponent("shard-h5py-000001.h5")
        let raw = directory.appendingPathComponent("frames.bin")
        try Data(frames).write(to: raw)
        let written = try run(Self.python, ["-c", """
            import h5py, numpy, shutil, sys
            # The same shard, its frames rewritten by h5py through HDF5's own Fletcher-32 filter.
            shutil.copy(sys.argv[3], sys.argv[1])
            frames = numpy.fromfile(sys.argv[2], dtype=numpy.uint8).reshape(12, 8, 6, 3)
            with h5py.File(sys.argv[1], "a") as f:
                del f["frames"]
                f.create_dataset("frames", data=frames, chunks=(1, 8, 6, 3), maxshape=(None, 8, 6, 3), fletcher32=True)
            """, reference.path, raw.path, shard.path])
        XCTAssertEqual(written.status, 0, written.output)
        let mine = try storedChunks(of: "frames", in: shard)
        let hdf5s = try storedChunks(of: "frames", in: reference)
        XCTAssertEqual(mine.count, 12)
        XCTAssertEqual(mine, hdf5s, "row bytes and checksum, chunk by chunk")
    }

    func testItemsLargerThanOneWriteBatchReadBackExactly() throws {
        // 224×224 flow fields: 200 KB a row, five rows per 1 MiB batch; items of 1, 7 and 13 rows.
        let directory = try makeTemporaryDirectory()
        let writer = try ShardWriter(directory: directory, worker: "w0", metadata: testMetadata(stage: "flow"),
                                     payload: .flow(height: 224, width: 224))
        var random = SplitMix64(seed: 21)
        var written: [[Float]] = []
        for (item, rows) in [1, 7, 13].enumerated() {
            let flow = random.floats(rows * 2 * 224 * 224, scale: 20)
            written.append(flow.map { Float(Float16($0)) })
            try writer.append(item: "clip-\(item)", source: "s\(item)", frameIndex: (0..<rows).map(Int32.init), flow: flow)
        }
        let reader = try ShardReader(url: try writer.commit())
        for item in 0..<3 {
            XCTAssertEqual(try reader.readFlow(rows: reader.rows(ofItem: item)), written[item], "item \(item)")
        }
        XCTAssertEqual(ShardCheck.read(reader.url).verdict, .intact)
        XCTAssertEqual(try reader.chunkLocations(of: "flow").map(\.storedBytes), Array(repeating: 2 * 224 * 224 * 2 + 4, count: 21))
    }

    // MARK: - A flipped byte is an error, not a number

    func testAFlippedByteInAFramesChunkIsAReadErrorNamingShardDatasetAndRows() throws {
        for compression in [Compression.none, .gzip(level: 1), .zstd(level: 3)] {
            let directory = try makeTemporaryDirectory()
            let (shard, frames) = try writeFrames(in: directory, compression: compression)
            let chunks = try ShardReader(url: shard).chunkLocations(of: "frames")
            XCTAssertEqual(chunks.count, 12, "one chunk per frame")
            let target = chunks[7]
            XCTAssertEqual(target.rows, 7..<8)
            let before = try fileStatus(shard)
            try flipByte(in: shard, at: target.fileOffset + UInt64(target.storedBytes / 2))
            XCTAssertEqual(try fileStatus(shard), before, "same size and mtime: only reading can tell")

            let reader = try ShardReader(url: shard)
            // Item 2 holds rows 6..<9: the damaged row 7 fails the whole read, and the error names it.
            assertStoreError(try reader.readFrames(rows: reader.rows(ofItem: 2))) { error in
                guard case .checksumMismatch(let path, let dataset, let rows) = error else { return XCTFail("\(compression): \(error)") }
                XCTAssertEqual(path, shard.path)
                XCTAssertEqual(dataset, "frames")
                XCTAssertEqual(rows, 7..<8, "\(compression)")
                XCTAssertTrue(error.localizedDescription.contains("Fletcher-32"), error.localizedDescription)
            }
            // Undamaged rows still read, exactly.
            XCTAssertEqual(try reader.readFrames(rows: 0..<6), Array(frames[0..<(6 * Self.frameBytes)]))
            XCTAssertEqual(try reader.readFrames(rows: 8..<12), Array(frames[(8 * Self.frameBytes)...]))

            let check = ShardCheck.read(shard)
            XCTAssertEqual(check.verdict, .damaged)
            XCTAssertTrue(check.checksummed)
            XCTAssertEqual(check.problems, ["dataset 'frames' rows 7..<8: Fletcher-32 checksum mismatch"], "\(compression)")
            XCTAssertEqual(check.items, (0..<4).map { "clip-\($0)" })
        }
    }

    func testAFlippedByteInTheOffsetsTableFailsTheOpen() throws {
        let directory = try makeTemporaryDirectory()
        let (shard, _) = try writeFrames(in: directory, compression: .none)
        let chunk = try XCTUnwrap(try ShardReader(url: shard).chunkLocations(of: "offsets").first)
        try flipByte(in: shard, at: chunk.fileOffset + 9)  // inside offsets[1]
        assertStoreError(try ShardReader(url: shard)) { error in
            guard case .checksumMismatch(let path, let dataset, let rows) = error else { return XCTFail("\(error)") }
            XCTAssertEqual([path, dataset, "\(rows)"], [shard.path, "offsets", "\(0..<5)"])
        }
        let check = ShardCheck.read(shard)
        XCTAssertEqual(check.verdict, .damaged)
        XCTAssertNil(check.items, "the item table could not be read")
        XCTAssertEqual(check.problems.count, 1)
        XCTAssertTrue(check.problems[0].contains("'offsets'"), check.problems[0])
    }

    func testH5pyAlsoRefusesTheDamagedChunk() throws {
        try requireH5py()
        let directory = try makeTemporaryDirectory()
        let (shard, _) = try writeFrames(in: directory, compression: .none)
        let chunk = try ShardReader(url: shard).chunkLocations(of: "frames")[3]
        try flipByte(in: shard, at: chunk.fileOffset + 1)
        let result = try run(Self.python, ["-c", """
            import h5py, sys
            with h5py.File(sys.argv[1], "r") as f:
                f["frames"][0:3]
                try:
                    f["frames"][3]
                except OSError as error:
                    print("refused:", error)
                    sys.exit(0)
            sys.exit(1)
            """, shard.path])
        XCTAssertEqual(result.status, 0, "h5py returned the damaged frame:\n\(result.output)")
    }

    // MARK: - What ShardCheck says about whole files

    func testIntactTruncatedEmptyAndForeignFiles() throws {
        let directory = try makeTemporaryDirectory()
        let (intact, _) = try writeFrames(in: directory, compression: .none)
        let check = ShardCheck.read(intact)
        XCTAssertEqual(check.verdict, .intact, check.problems.joined(separator: "\n"))
        XCTAssertTrue(check.checksummed)
        XCTAssertEqual(check.bytes, Int64(try Data(contentsOf: intact).count))

        let bytes = try Data(contentsOf: intact)
        let truncated = directory.appendingPathComponent("shard-t-000001.h5")
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        let empty = directory.appendingPathComponent("shard-e-000001.h5")
        try Data().write(to: empty)
        let foreign = directory.appendingPathComponent("shard-f-000001.h5")
        try Data(repeating: 0x5A, count: 4096).write(to: foreign)
        for url in [truncated, empty, foreign] {
            let check = ShardCheck.read(url)
            XCTAssertEqual(check.verdict, .damaged, url.lastPathComponent)
            XCTAssertNil(check.items, url.lastPathComponent)
            XCTAssertFalse(check.problems.isEmpty, url.lastPathComponent)
        }
        XCTAssertEqual(ShardCheck.read(empty).problems, ["empty file (0 bytes)"])
        XCTAssertEqual(ShardCheck.read(directory.appendingPathComponent("shard-gone-000001.h5")).verdict, .vanished)
    }

    func testQuarantineSetsTheShardAsideUnderItsNameAndAStamp() throws {
        let directory = try makeTemporaryDirectory()
        let (shard, _) = try writeFrames(in: directory, compression: .none)
        let now = Date(timeIntervalSince1970: 1_795_000_000.25)
        let first = try ShardDirectory.quarantine(shard, now: now)
        XCTAssertEqual(first.deletingLastPathComponent().lastPathComponent, ".quarantine")
        XCTAssertEqual(first.lastPathComponent, shard.lastPathComponent + ".20261118T110640.250Z")
        XCTAssertFalse(FileManager.default.fileExists(atPath: shard.path))
        XCTAssertEqual(try ShardDirectory.committedShards(in: directory), [])
        XCTAssertEqual(try ShardIndex.build(directory: directory).count, 0)

        // Same name, same instant: a second file is never overwritten.
        let (again, _) = try writeFrames(in: directory, compression: .none)
        XCTAssertEqual(again.lastPathComponent, shard.lastPathComponent)
        let second = try ShardDirectory.quarantine(again, now: now)
        XCTAssertNotEqual(second, first)
        XCTAssertEqual(ShardDirectory.quarantined(shard.lastPathComponent, in: directory), [first.lastPathComponent, second.lastPathComponent])
        XCTAssertEqual(ShardCheck.read(first).verdict, .intact, "moved whole")
    }

    // MARK: - Helpers

    static let frameBytes = 8 * 6 * 3

    /// A committed frames shard: 4 items × 3 rows of 8×6×3 pseudo-random bytes, with labels.
    private func writeFrames(in directory: URL, compression: Compression) throws -> (URL, [UInt8]) {
        var random = SplitMix64(seed: 99)
        let frames = random.bytes(12 * Self.frameBytes)
        let writer = try ShardWriter(directory: directory, worker: "w0", metadata: testMetadata(),
                                     payload: .frames(height: 8, width: 6, channels: 3), labelCount: 2, compression: compression)
        for item in 0..<4 {
            let rows = (item * 3)..<(item * 3 + 3)
            try writer.append(item: "clip-\(item)", source: "sha256:\(item)", frameIndex: rows.map(Int32.init),
                              frames: Array(frames[(rows.lowerBound * Self.frameBytes)..<(rows.upperBound * Self.frameBytes)]),
                              labels: [1, UInt8(item % 2)])
        }
        return (try writer.commit(), frames)
    }

    /// Writes an interop spec with the Swift writer.
    private func write(_ spec: InteropSpec, compression: Compression, in directory: URL, worker: String) throws -> URL {
        let shape = spec.payload.shape
        let payload: Payload
        switch spec.payload.name {
        case "frames": payload = .frames(height: shape[1], width: shape[2], channels: shape[3])
        case "flow": payload = .flow(height: shape[2], width: shape[3])
        default: payload = .embeddings(dim: shape[1])
        }
        let writer = try ShardWriter(directory: directory, worker: worker,
                                     metadata: ShardMetadata(stage: spec.attrs.stage, fingerprint: spec.attrs.fingerprint, params: spec.attrs.params),
                                     payload: payload, labelCount: spec.labels?.shape[1], compression: compression)
        for (i, item) in spec.items.enumerated() {
            let values = spec.valueRange(ofItem: i)
            let frameIndex = Array(spec.frameIndex[spec.offsets[i]..<spec.offsets[i + 1]])
            switch payload {
            case .frames:
                try writer.append(item: item, source: spec.source[i], frameIndex: frameIndex,
                                  frames: spec.payload.bits[values].map { UInt8($0) }, labels: spec.labels(ofItem: i))
            case .flow:
                try writer.append(item: item, source: spec.source[i], frameIndex: frameIndex,
                                  flow: Array(spec.flowInput![values]), labels: spec.labels(ofItem: i))
            default:
                try writer.append(item: item, source: spec.source[i], frameIndex: frameIndex,
                                  embeddings: spec.payload.bits[values].map { Float(bitPattern: $0) }, labels: spec.labels(ofItem: i))
            }
        }
        return try writer.commit()
    }

    /// The stored bytes of each chunk of a shard's dataset.
    private func storedChunks(of name: String, in shard: URL) throws -> [[UInt8]] {
        let bytes = try Data(contentsOf: shard)
        return try ShardReader(url: shard).chunkLocations(of: name).map {
            Array(bytes[Int($0.fileOffset)..<(Int($0.fileOffset) + $0.storedBytes)])
        }
    }

    /// Size and modification time (to the nanosecond).
    private func fileStatus(_ url: URL) throws -> [Int64] {
        var info = stat()
        guard stat(url.path, &info) == 0 else { throw POSIXError(.ENOENT) }
        return [Int64(info.st_size), Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec)]
    }

    /// Inverts one byte of `url` in place and puts its modification time back, as silent disk damage would.
    private func flipByte(in url: URL, at offset: UInt64) throws {
        var info = stat()
        guard stat(url.path, &info) == 0 else { throw POSIXError(.ENOENT) }
        let handle = try FileHandle(forUpdating: url)
        try handle.seek(toOffset: offset)
        let byte = try XCTUnwrap(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: [~byte])
        try handle.close()
        var times = [info.st_atim, info.st_mtim]
        guard utimensat(AT_FDCWD, url.path, &times, 0) == 0 else { throw POSIXError(.EPERM) }
    }

    /// Fails (never skips) without h5py: the interop promise would go untested.
    private func requireH5py() throws {
        let probe = try run(Self.python, ["-c", "import h5py, numpy"])
        guard probe.status == 0 else {
            throw MissingTool(description: "h5py is missing for \(Self.python): install it with `apt-get install python3-h5py`\n\(probe.output)")
        }
    }

    private struct MissingTool: Error, CustomStringConvertible {
        var description: String
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
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
