import Datasets
import Foundation
import Media
import Store
import TestSupport
import XCTest

/// vimo-decode end to end: the real executable on real video files.
final class DecodeStageTests: XCTestCase {
    var root: URL!
    var dataset: URL { root.appendingPathComponent("dataset") }
    var out: URL { root.appendingPathComponent("out") }

    override func setUpWithError() throws {
        root = try TestSupport.temporaryFolder("vimo-decode")
    }

    @discardableResult
    func generate(clips: Int = 6, frames: Int = 12, width: Int = 128, height: Int = 96) throws -> [SyntheticDataset.Clip] {
        try SyntheticDataset.generate(at: dataset, spec: .init(clips: clips, frames: frames, width: width, height: height,
                                                               valFraction: 0.34, seed: 7, keyframeInterval: 5))
    }

    func decode(_ extra: [String] = []) throws -> TestSupport.ProcessResult {
        try TestSupport.run(TestSupport.product("vimo-decode"),
                            ["--dataset", dataset.path, "--out", out.path, "--quiet"] + extra)
    }

    func summary(_ name: String = "summary-decode.json") throws -> [String: Any] {
        let data = try Data(contentsOf: out.appendingPathComponent(name))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func testDecodesEveryItemWithFramesLabelsAndIndices() throws {
        let clips = try generate()
        let result = try decode(["--workers", "2", "--items-per-shard", "2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let index = try ShardIndex.build(directory: out)
        XCTAssertEqual(index.items, clips.map(\.id).sorted())
        XCTAssertEqual(index.problems.count, 0)
        let classes = SyntheticDataset.classes.count
        for clip in clips {
            let entry = try XCTUnwrap(index[clip.id])
            let reader = try ShardReader(url: entry.shard)
            XCTAssertEqual(entry.rows.count, clip.frames, clip.id)
            XCTAssertEqual(try reader.frameIndex(rows: entry.rows), (0..<clip.frames).map(Int32.init))
            var hot = [UInt8](repeating: 0, count: classes)
            for l in clip.labels { hot[l] = 1 }
            XCTAssertEqual(try reader.labels(item: entry.position), hot, clip.id)
            XCTAssertEqual(reader.metadata.stage, "decode")
        }
        // Pixels in the shard are what the ffmpeg CLI produces for that video.
        let first = clips[0]
        let entry = try XCTUnwrap(index[first.id])
        let stored = try ShardReader(url: entry.shard).readFrames(rows: entry.rows)
        let reference = try TestSupport.ffmpegReferenceFrames(dataset.appendingPathComponent("video/\(first.id).mp4"))
        XCTAssertTrue(stored == Array(reference.joined()), "shard frames equal the CLI's")

        let s = try summary()
        XCTAssertEqual(s["processed"] as? Int, clips.count)
        XCTAssertEqual(s["already_cached"] as? Int, 0)
        XCTAssertEqual(s["rows"] as? Int, clips.map(\.frames).reduce(0, +))
        XCTAssertEqual((s["failed"] as? [Any])?.count, 0)
    }

    func testSecondRunSkipsEverythingAndChangedVideoIsRedone() throws {
        let clips = try generate(clips: 4)
        XCTAssertEqual(try decode().status, 0)
        let shardsBefore = try ShardIndex.build(directory: out).shards
        let again = try decode()
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try summary()["processed"] as? Int, 0)
        XCTAssertEqual(try summary()["already_cached"] as? Int, 4)
        XCTAssertEqual(try summary()["digests_computed"] as? Int, 0, "unchanged files are not read again")
        XCTAssertEqual(try ShardIndex.build(directory: out).shards, shardsBefore)

        // Replace one video: only it is decoded again, and the index serves the new frames.
        let changed = dataset.appendingPathComponent("video/\(clips[1].id).mp4")
        try TestSupport.makePatternVideo(at: changed, width: 128, height: 96, frames: clips[1].frames, seed: 99)
        XCTAssertEqual(try decode().status, 0)
        XCTAssertEqual(try summary()["processed"] as? Int, 1)
        let entry = try XCTUnwrap(try ShardIndex.build(directory: out)[clips[1].id])
        let stored = try ShardReader(url: entry.shard).readFrames(rows: entry.rows)
        XCTAssertTrue(stored == Array(try TestSupport.ffmpegReferenceFrames(changed).joined()))
        // The superseded rows are gone: a plain glob over the folder's shards sees each item once.
        let occurrences = try ShardDirectory.committedShards(in: out).flatMap { try ShardReader(url: $0).items }
        XCTAssertEqual(occurrences.sorted(), clips.map(\.id).sorted())
        let h5py = try TestSupport.run("/usr/bin/python3", ["-c", """
            import glob, h5py, sys
            ids = [i for p in sorted(glob.glob(sys.argv[1] + "/shard-*.h5")) for i in h5py.File(p, "r")["items"].asstr()[:]]
            print(len(ids), len(set(ids)))
            """, out.path])
        XCTAssertEqual(String(decoding: h5py.stdout, as: UTF8.self), "4 4\n", h5py.stderr)
    }

    func testBadVideosAreReportedAndTheRestProceed() throws {
        let clips = try generate(clips: 8)
        let videos = dataset.appendingPathComponent("video")
        let bad = Array(clips.prefix(5)).map(\.id)
        // zero bytes, truncated, text, audio only, missing
        try Data().write(to: videos.appendingPathComponent("\(bad[0]).mp4"))
        let whole = try Data(contentsOf: videos.appendingPathComponent("\(bad[1]).mp4"))
        try whole.prefix(whole.count / 3).write(to: videos.appendingPathComponent("\(bad[1]).mp4"))
        try "not a video".write(to: videos.appendingPathComponent("\(bad[2]).mp4"), atomically: true, encoding: .utf8)
        let audio = try TestSupport.run("ffmpeg", ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=duration=0.5",
                                                   "-c:a", "aac", "-f", "mp4", videos.appendingPathComponent("\(bad[3]).mp4").path])
        XCTAssertEqual(audio.status, 0, audio.stderr)
        // One frame, and 4K, which must work.
        try TestSupport.makePatternVideo(at: videos.appendingPathComponent("\(clips[5].id).mp4"), frames: 1)
        try TestSupport.makePatternVideo(at: videos.appendingPathComponent("\(clips[6].id).mp4"),
                                         width: 3840, height: 2160, frames: 2, options: EncodeOptions(threads: 2))

        let result = try decode(["--workers", "2"])
        XCTAssertEqual(result.status, 1, "failures beyond --max-failures 0 → exit 1")
        let failed = (try summary()["failed"] as? [[String: String]]) ?? []
        XCTAssertEqual(Set(failed.compactMap { $0["item"] }), Set(bad.prefix(4)))
        for f in failed {
            XCTAssertTrue(result.stderr.contains(f["item"]!), "stderr names \(f["item"]!)")
            XCTAssertTrue(f["reason"]!.contains(".mp4"), "reason names the file: \(f["reason"]!)")
        }
        XCTAssertTrue(failed.contains { $0["reason"]!.contains("no video stream") })
        let index = try ShardIndex.build(directory: out)
        XCTAssertEqual(Set(index.items), Set(clips.map(\.id)).subtracting(bad.prefix(4)))
        XCTAssertEqual(index[clips[5].id]?.rows.count, 1)
        XCTAssertEqual(index[clips[6].id]?.rows.count, 2)

        // Tolerating four failures makes the same run a success, and nothing is decoded twice.
        let tolerant = try decode(["--max-failures", "4"])
        XCTAssertEqual(tolerant.status, 0, tolerant.stderr)
        XCTAssertEqual(try summary()["processed"] as? Int, 0)
    }

    func testKillNineThenRerunCompletesWithoutRedoingCommittedItems() throws {
        let clips = try generate(clips: 24, frames: 40, width: 320, height: 240)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.product("vimo-decode"))
        process.arguments = ["--dataset", dataset.path, "--out", out.path, "--quiet", "--workers", "1", "--items-per-shard", "1"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        var committed: [URL] = []
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            committed = (try? FileManager.default.contentsOfDirectory(at: out, includingPropertiesForKeys: nil))?
                .filter { $0.lastPathComponent.hasPrefix("shard-") && $0.pathExtension == "h5" } ?? []
            if committed.count >= 3 || !process.isRunning { break }
            usleep(2000)
        }
        XCTAssertTrue(process.isRunning, "the run must still be going when killed (make the fixture larger)")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let before = try ShardIndex.build(directory: out)
        let committedItems = before.items.count
        XCTAssertGreaterThanOrEqual(committedItems, 3)
        XCTAssertLessThan(committedItems, clips.count)
        let stamps = try before.shards.map { try FileManager.default.attributesOfItem(atPath: $0.path)[.modificationDate] as! Date }

        let rerun = try decode()
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertEqual(try summary()["processed"] as? Int, clips.count - committedItems, "committed items are not recomputed")
        let after = try ShardIndex.build(directory: out)
        XCTAssertEqual(after.items, clips.map(\.id).sorted())
        // Every item exactly once across all shards.
        var seen: [String: Int] = [:]
        for shard in after.shards { for id in try ShardReader(url: shard).items { seen[id, default: 0] += 1 } }
        XCTAssertEqual(seen.count, clips.count)
        XCTAssertTrue(seen.values.allSatisfy { $0 == 1 }, "duplicates: \(seen.filter { $0.value > 1 })")
        for (shard, stamp) in zip(before.shards, stamps) {
            XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: shard.path)[.modificationDate] as? Date, stamp)
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [], "the rerun removes the killed run's temp files")
    }

    func testShardsOfAJobArrayPartitionTheItems() throws {
        let clips = try generate(clips: 9)
        XCTAssertEqual(try decode(["--shard", "0/3"]).status, 0)
        XCTAssertEqual(try decode(["--shard", "1/3"]).status, 0)
        XCTAssertEqual(try decode(["--shard", "2/3"]).status, 0)
        let counts = try (0..<3).map { try summary("summary-decode-shard-\($0)-of-3.json")["processed"] as! Int }
        XCTAssertEqual(counts.reduce(0, +), clips.count)
        XCTAssertEqual(try ShardIndex.build(directory: out).items, clips.map(\.id).sorted())
    }

    func testUniformSamplingAndParameterMismatch() throws {
        let clips = try generate(clips: 3, frames: 30)
        XCTAssertEqual(try decode(["--sampling", "uniform:4"]).status, 0)
        let index = try ShardIndex.build(directory: out)
        for clip in clips {
            let entry = try XCTUnwrap(index[clip.id])
            let expected = FrameSelection.segmentCentres(frameCount: clip.frames, samples: 4).map(Int32.init)
            XCTAssertEqual(try ShardReader(url: entry.shard).frameIndex(rows: entry.rows), expected)
        }
        let mismatch = try decode(["--sampling", "all"])
        XCTAssertEqual(mismatch.status, 2)
        XCTAssertTrue(mismatch.stderr.contains("other parameters"), mismatch.stderr)
    }

    func testBadAnnotationRowsStopUnlessAskedToContinue() throws {
        let clips = try generate(clips: 4)
        let train = dataset.appendingPathComponent("annotation/train.csv")
        let text = try String(contentsOf: train, encoding: .utf8) + "BROKEN ROW\n"
        try text.write(to: train, atomically: true, encoding: .utf8)
        let strict = try decode()
        XCTAssertEqual(strict.status, 2)
        XCTAssertTrue(strict.stderr.contains("train.csv"), strict.stderr)
        let lenient = try decode(["--continue-on-bad-rows"])
        XCTAssertEqual(lenient.status, 0, lenient.stderr)
        XCTAssertTrue(lenient.stderr.contains("train.csv"), "the skipped row is reported")
        XCTAssertEqual(try ShardIndex.build(directory: out).items.count, clips.count)
    }

    func testHelpExplainsEveryOptionAndBadOptionsExit64() throws {
        let help = try TestSupport.run(TestSupport.product("vimo-decode"), ["--help"])
        let text = String(decoding: help.stdout, as: UTF8.self)
        for option in ["--dataset", "--split", "--out", "--sampling", "--shard", "--workers", "--threads",
                       "--items-per-shard", "--storage", "--max-failures", "--continue-on-bad-rows", "--summary"] {
            XCTAssertTrue(text.contains(option), "help mentions \(option)")
        }
        try generate(clips: 1)
        for bad in [["--sampling", "sometimes"], ["--shard", "3/3"], ["--workers", "0"], ["--storage", "snappy"],
                    ["--storage", "compact:quality=0"], ["--storage", "compact:subsampling=422"]] {
            let result = try decode(bad)
            XCTAssertEqual(result.status, 64, "\(bad): \(result.stderr)")
        }
    }

    /// `--storage compact` on real footage (Big Buck Bunny at 224²): frames come back through the same reader
    /// as JPEG-decoded pixels close to the exact ones (above 38 dB at quality 95 with 4:2:0, above 40 dB with
    /// 4:4:4), several times smaller; each setting has its own params (so fingerprint) and says what it is.
    func testCompactFramesOfRealFootageAreCloseToExactAndSmaller() throws {
        try generate(clips: 1)
        let bunny = SyntheticDataset.ExtraVideo(id: "BUNNY", source: TestSupport.bigBuckBunny, labels: [0])
        try SyntheticDataset.generate(at: dataset, spec: .init(clips: 1, frames: 12, width: 128, height: 96, valFraction: 0, seed: 7),
                                      extras: [bunny])
        func decoded(_ storage: String) throws -> (frames: [UInt8], bytes: Int, reader: ShardReader) {
            let folder = root.appendingPathComponent("out-\(storage)")
            let result = try TestSupport.run(TestSupport.product("vimo-decode"),
                                             ["--dataset", dataset.path, "--out", folder.path, "--quiet", "--storage", storage])
            XCTAssertEqual(result.status, 0, result.stderr)
            let entry = try XCTUnwrap(try ShardIndex.build(directory: folder)["BUNNY"])
            let reader = try ShardReader(url: entry.shard)
            let bytes = reader.framesAreJPEG ? try reader.chunkLocations(of: "frames_jpeg").map(\.storedBytes).reduce(0, +)
                : try reader.chunkLocations(of: "frames").map(\.storedBytes).reduce(0, +)
            return (try reader.readFrames(rows: entry.rows), bytes, reader)
        }
        let exact = try decoded("exact"), compact = try decoded("compact"), full = try decoded("compact:subsampling=444")
        XCTAssertFalse(exact.reader.framesAreJPEG)
        XCTAssertEqual(compact.reader.metadata.storage, "compact;jpeg_quality=95;jpeg_subsampling=420")
        XCTAssertEqual(full.reader.metadata.storage, "compact;jpeg_quality=95;jpeg_subsampling=444")
        XCTAssertTrue(compact.reader.metadata.params.contains("\"storage\":\"compact\""), compact.reader.metadata.params)
        XCTAssertTrue(full.reader.metadata.params.contains("\"storage\":\"compact:subsampling=444\""), full.reader.metadata.params)
        XCTAssertEqual(compact.frames.count, exact.frames.count)
        XCTAssertEqual(exact.frames.count, 132 * 224 * 224 * 3, "Big Buck Bunny's 132 frames")
        func psnr(_ a: [UInt8]) -> Double {
            let mse = zip(a, exact.frames).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) } / Double(a.count)
            return 10 * log10(255 * 255 / mse)
        }
        let (p420, p444) = (psnr(compact.frames), psnr(full.frames))
        XCTAssertGreaterThan(p420, 38, "quality 95, 4:2:0")
        XCTAssertGreaterThan(p444, p420 + 1, "4:4:4 keeps the chroma 4:2:0 halves")
        XCTAssertLessThan(compact.bytes * 4, exact.frames.count, "compact frames are over 4× smaller than raw ones")
        XCTAssertLessThan(compact.bytes * 2, exact.bytes, "and over 2× smaller than exact's zstd")
        XCTAssertLessThan(compact.bytes, full.bytes)
    }
}
