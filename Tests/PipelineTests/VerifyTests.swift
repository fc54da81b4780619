import Foundation
import Store
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `vimo verify` end to end on a small real cache: silent bit flips (size and mtime restored) in a
/// frames, a flow and an embeddings shard are found by reading, `--repair` sets them aside and the next
/// `vimo run` restores byte-identical results; truncated and empty shards likewise; `vimo status`
/// names a shard whose size or mtime changed; a stage reading a damaged upstream shard fails those
/// items, naming the shard and the repair.
final class VerifyTests: XCTestCase {
    static let payloadOf = ["decode": "frames", "flow": "flow", "clip": "embeddings"]

    func testBitFlipsInFramesFlowAndEmbeddingsShardsAreFoundAndRepairedToIdenticalResults() throws {
        let fixture = try itemFixture("vimo-verify-flips")
        try expectRun(fixture)
        let before = try Dictionary(uniqueKeysWithValues: Self.payloadOf.keys.map { ($0, try PipelineFixture.payloads(folder(fixture, $0))) })

        // One flipped byte in the second shard of each stage, inside a payload chunk; size and mtime kept.
        var damaged: [String: (shard: URL, items: [String])] = [:]
        for (stage, dataset) in Self.payloadOf {
            let shard = try ShardDirectory.committedShards(in: folder(fixture, stage))[1]
            let reader = try ShardReader(url: shard)
            let chunks = try reader.chunkLocations(of: dataset)
            let chunk = try XCTUnwrap(chunks.isEmpty ? nil : chunks[chunks.count / 2], stage)
            // Inside the rows the chunk holds (an embeddings chunk is larger than the rows written so far).
            let used = min(chunk.storedBytes, chunk.rows.count * reader.payload.rowByteCount)
            try flipByte(in: shard, at: chunk.fileOffset + UInt64(used / 2))
            damaged[stage] = (shard, reader.items)
        }
        XCTAssertEqual(try fixture.vimo(["status"]).status, 0, "same sizes and mtimes: status cannot see it, only reading can")

        // Found, each with its items; exit 1. With the pipeline, without it, and for one stage.
        for arguments in [["verify", fixture.pipeline.path], ["verify"]] {
            let result = try vimo(fixture, arguments)
            XCTAssertEqual(result.status, 1, result.text)
            for (stage, (shard, items)) in damaged {
                let line = try XCTUnwrap(result.lines.first { $0.contains("DAMAGED \(shard.lastPathComponent)") && $0.contains(Self.payloadOf[stage]!) },
                                         "\(stage) not reported:\n\(result.text)")
                XCTAssertTrue(line.contains("Fletcher-32 checksum mismatch"), line)
                XCTAssertTrue(result.text.contains("items (\(items.count), from its item table): " + items.joined(separator: ", ")), result.text)
            }
            XCTAssertTrue(result.text.contains("3 damaged (6 item(s))"), result.text)
        }
        let flowOnly = try vimo(fixture, ["verify", fixture.pipeline.path, "--stage", "flow"])
        XCTAssertEqual(flowOnly.status, 1)
        XCTAssertTrue(flowOnly.text.contains(damaged["flow"]!.shard.lastPathComponent), flowOnly.text)
        XCTAssertFalse(flowOnly.text.contains("decode/"), "only flow's folder: \(flowOnly.text)")
        XCTAssertEqual(try vimo(fixture, ["verify", fixture.pipeline.path, "--stage", "nope"]).status, 2)

        // Repair: each damaged shard moves into its folder's .quarantine/, under its name plus a time.
        let repair = try vimo(fixture, ["verify", fixture.pipeline.path, "--repair"])
        XCTAssertEqual(repair.status, 1, "damage was found (and repaired): \(repair.text)")
        for (stage, (shard, _)) in damaged {
            XCTAssertFalse(FileManager.default.fileExists(atPath: shard.path), stage)
            let aside = ShardDirectory.quarantined(shard.lastPathComponent, in: shard.deletingLastPathComponent())
            XCTAssertEqual(aside.count, 1, stage)
            XCTAssertTrue(repair.text.contains(".quarantine/" + aside[0]), repair.text)
        }
        let status = try fixture.vimo(["status"])
        let statusText = String(decoding: status.stdout, as: UTF8.self)
        XCTAssertEqual(status.status, 1, statusText)
        for stage in Self.payloadOf.keys {
            let line = try XCTUnwrap(statusText.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(stage + " ") })
            XCTAssertTrue(line.contains("shards were added or removed since the last run: \(damaged[stage]!.shard.lastPathComponent) removed (set aside in .quarantine/)"),
                          String(line))
        }
        XCTAssertEqual(try vimo(fixture, ["verify", fixture.pipeline.path]).status, 0, "nothing damaged is left in the folders")

        // The next run recomputes exactly the set-aside items, to the same bytes.
        try expectRun(fixture)
        for (stage, (_, items)) in damaged {
            XCTAssertEqual(try fixture.processed()[stage], items.count, "\(stage) recomputed only the quarantined items")
            XCTAssertEqual(try PipelineFixture.payloads(folder(fixture, stage)), before[stage], "\(stage): byte-identical after repair")
            XCTAssertEqual(try PipelineFixture.itemOccurrences(folder(fixture, stage)).sorted(), before[stage]!.keys.sorted(), stage)
        }
        XCTAssertEqual(try fixture.vimo(["status"]).status, 0)
    }

    func testTruncatedAndEmptyShardsAreNamedByStatusQuarantinedAndRecomputed() throws {
        let fixture = try itemFixture("vimo-verify-truncated", stages: ["decode"])
        try expectRun(fixture)
        let decode = try folder(fixture, "decode")
        let before = try PipelineFixture.payloads(decode)
        let shards = try ShardDirectory.committedShards(in: decode)
        let (truncated, empty) = (shards[0], shards[2])
        let itemsOf = [truncated: try ShardReader(url: truncated).items, empty: try ShardReader(url: empty).items]
        let lost = itemsOf.values.flatMap { $0 }
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: truncated.path)[.size] as? Int)
        try FileHandle(forUpdating: truncated).truncate(atOffset: UInt64(size / 2))
        try FileHandle(forUpdating: empty).truncate(atOffset: 0)

        // Status sees a changed size without reading, and names the shards.
        let status = try fixture.vimo(["status"])
        let statusText = String(decoding: status.stdout, as: UTF8.self)
        XCTAssertEqual(status.status, 1, statusText)
        XCTAssertTrue(statusText.contains("2 shard(s) changed since the last run"), statusText)
        XCTAssertTrue(statusText.contains("\(truncated.lastPathComponent) (size \(size) → \(size / 2) bytes)"), statusText)
        XCTAssertTrue(statusText.contains("\(empty.lastPathComponent) (size "), statusText)
        XCTAssertTrue(statusText.contains("vimo verify --repair"), statusText)
        XCTAssertNotEqual(try h5pyReadsEveryShard(decode).status, 0, "a plain h5py glob trips over the damaged files")

        // Their item tables are gone: the items come from the listing the last run saved.
        let verify = try vimo(fixture, ["verify", "--repair"])
        XCTAssertEqual(verify.status, 1, verify.text)
        XCTAssertTrue(verify.text.contains("DAMAGED \(empty.lastPathComponent)") && verify.text.contains("empty file (0 bytes)"), verify.text)
        XCTAssertTrue(verify.text.contains("DAMAGED \(truncated.lastPathComponent)"), verify.text)
        for shard in [truncated, empty] {
            let items = itemsOf[shard]!.sorted()
            XCTAssertTrue(verify.text.contains("items (\(items.count), as the last run recorded them): " + items.joined(separator: ", ")), verify.text)
        }
        let glob = try h5pyReadsEveryShard(decode)
        XCTAssertEqual(glob.status, 0, "after --repair every *.h5 left reads: \(glob.output)")

        try expectRun(fixture)
        XCTAssertEqual(try fixture.processed()["decode"], lost.count, "exactly the quarantined items were decoded again")
        XCTAssertEqual(try PipelineFixture.payloads(decode), before)
        XCTAssertEqual(try fixture.vimo(["status"]).status, 0)
    }

    func testStatusNamesAShardWhoseMtimeChanged() throws {
        let fixture = try itemFixture("vimo-verify-touch", stages: ["decode"])
        try expectRun(fixture)
        let shard = try ShardDirectory.committedShards(in: folder(fixture, "decode"))[1]
        var times = [timespec(tv_sec: 1_700_000_000, tv_nsec: 5), timespec(tv_sec: 1_700_000_000, tv_nsec: 5)]
        XCTAssertEqual(utimensat(AT_FDCWD, shard.path, &times, 0), 0)
        let status = try fixture.vimo(["status"])
        let text = String(decoding: status.stdout, as: UTF8.self)
        XCTAssertEqual(status.status, 1, text)
        XCTAssertTrue(text.contains("1 shard(s) changed since the last run: \(shard.lastPathComponent) (modified: its mtime is not the one recorded)"), text)
        XCTAssertEqual(try vimo(fixture, ["verify"]).status, 0, "its content is intact")
        let noCache = try TestSupport.run(TestSupport.product("vimo"), ["verify", "--cache", fixture.root.appendingPathComponent("nowhere").path])
        XCTAssertEqual(noCache.status, 2, "no cache there: unusable")
        XCTAssertTrue(noCache.stderr.contains("no cache at"), noCache.stderr)
        XCTAssertEqual(try vimo(fixture, ["verify", "--set", "a=b"]).status, 64, "--set needs a pipeline")
        try expectRun(fixture)
        XCTAssertEqual(try fixture.processed()["decode"], 0, "every item is still committed")
        XCTAssertEqual(try fixture.vimo(["status"]).status, 0, "the new run recorded the shard as it is")
    }

    func testAStageReadingADamagedUpstreamShardFailsThoseItemsNamingTheShardAndTheRepair() throws {
        let fixture = try itemFixture("vimo-verify-upstream", stages: ["decode"])
        try expectRun(fixture)
        let shard = try ShardDirectory.committedShards(in: folder(fixture, "decode"))[1]
        let reader = try ShardReader(url: shard)
        // The last chunk: under the default storage a chunk holds 16 frames, so the first one spans both of the
        // shard's items (9–15 frames each); the last starts past the first item's rows.
        let chunk = try XCTUnwrap(try reader.chunkLocations(of: "frames").last)
        try flipByte(in: shard, at: chunk.fileOffset + UInt64(chunk.storedBytes / 2))  // inside the chunk whatever it compresses to
        let hit = reader.items.indices.filter { reader.rows(ofItem: $0).overlaps(chunk.rows) }.map { reader.items[$0] }
        XCTAssertEqual(hit.count, 1, "the damaged frame belongs to one item; the shard's other item reads fine")

        // A flow stage added now reads every decode item: the one with the damaged frame fails, the rest are computed.
        try writePipeline(fixture, stages: ["decode", "flow"], flowPreset: "ultrafast")
        let run = try fixture.vimo(["run", "--quiet"])
        XCTAssertEqual(run.status, 1, String(decoding: run.stdout, as: UTF8.self) + run.stderr)
        let stages = try XCTUnwrap(try fixture.lastRecord()["stages"] as? [[String: Any]])
        let flow = try XCTUnwrap(stages.first { $0["stage"] as? String == "flow" })
        let failed = try XCTUnwrap(flow["failed_items"] as? [String], "\(flow)")
        XCTAssertEqual(failed.map { String($0.prefix { $0 != ":" }) }, hit, "exactly the item whose rows are damaged fails")
        for line in failed {
            XCTAssertTrue(line.contains("cannot read upstream shard \(shard.path)"), line)
            XCTAssertTrue(line.contains("dataset 'frames' rows") && line.contains("Fletcher-32"), line)
            XCTAssertTrue(line.contains("vimo verify --repair"), line)
        }
        XCTAssertEqual(flow["processed"] as? Int, PipelineFixture.clips - hit.count)

        XCTAssertEqual(try vimo(fixture, ["verify", "--repair"]).status, 1)
        try expectRun(fixture)
        XCTAssertEqual(try fixture.processed()["decode"], reader.items.count)
        XCTAssertEqual(Set(try PipelineFixture.itemOccurrences(folder(fixture, "flow"))).count, PipelineFixture.clips)
    }

    // MARK: - Helpers

    /// A fixture whose pipeline has only item stages (decode, flow, clip; 2 items per shard).
    private func itemFixture(_ name: String, stages: [String] = ["decode", "flow", "clip"]) throws -> PipelineFixture {
        let fixture = try PipelineFixture(name: name)
        addTeardownBlock { try? FileManager.default.removeItem(at: fixture.root) }
        try writePipeline(fixture, stages: stages, flowPreset: "ultrafast")
        return fixture
    }

    private func writePipeline(_ fixture: PipelineFixture, stages: [String], flowPreset: String) throws {
        let definitions = [
            "decode": "decode: {run: vimo-decode, inputs: {dataset: \(fixture.dataset.path)}, params: {split: all, sampling: all, items-per-shard: 2}}",
            "flow": "flow: {run: vimo-flow compute, inputs: {frames: decode}, params: {method: dis, preset: \(flowPreset), items-per-shard: 2}}",
            "clip": "clip: {run: vimo-clip, inputs: {frames: decode}, params: {model: tiny, weights: \"random:1\", items-per-shard: 2}}",
        ]
        try ("stages:\n" + stages.map { "  " + definitions[$0]! + "\n" }.joined()).write(to: fixture.pipeline, atomically: true, encoding: .utf8)
    }

    private func expectRun(_ fixture: PipelineFixture, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try fixture.vimo(["run", "--quiet"])
        XCTAssertEqual(result.status, 0, String(decoding: result.stdout, as: UTF8.self) + result.stderr, file: file, line: line)
    }

    /// The current folder of `stage` (the fixture's pipelines give each stage one).
    private func folder(_ fixture: PipelineFixture, _ stage: String) throws -> URL {
        let folders = fixture.folders(stage)
        XCTAssertEqual(folders.count, 1, stage)
        return try XCTUnwrap(folders.first, stage)
    }

    private struct Output {
        var status: Int32
        var text: String
        var lines: [String] { text.split(separator: "\n").map(String.init) }
    }

    /// `vimo <arguments> --cache <cache>` (with or without a pipeline argument).
    private func vimo(_ fixture: PipelineFixture, _ arguments: [String]) throws -> Output {
        let result = try TestSupport.run(TestSupport.product("vimo"), arguments + ["--cache", fixture.cache.path])
        return Output(status: result.status, text: String(decoding: result.stdout, as: UTF8.self) + result.stderr)
    }

    /// Opens every `*.h5` of `folder` with h5py, as a Python user does (pip's h5py and hdf5plugin, the
    /// bootstrap's data/.venv-h5), and reads every dataset whole.
    private func h5pyReadsEveryShard(_ folder: URL) throws -> (status: Int32, output: String) {
        let result = try TestSupport.run(TestSupport.pipPython, ["-c", """
            import glob, h5py, hdf5plugin, sys
            for path in sorted(glob.glob(sys.argv[1] + "/*.h5")):
                with h5py.File(path, "r") as f:
                    for name in f:
                        f[name][()]
            """, folder.path])
        return (result.status, String(decoding: result.stdout, as: UTF8.self) + result.stderr)
    }

    /// Inverts one byte of `url` in place and puts its modification time back, as silent disk damage would.
    private func flipByte(in url: URL, at offset: UInt64) throws {
        var info = stat()
        XCTAssertEqual(stat(url.path, &info), 0)
        let handle = try FileHandle(forUpdating: url)
        try handle.seek(toOffset: offset)
        let byte = try XCTUnwrap(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: [~byte])
        try handle.close()
        var times = [info.st_atim, info.st_mtim]
        XCTAssertEqual(utimensat(AT_FDCWD, url.path, &times, 0), 0)
    }
}
