import Datasets
import Foundation
import Media
import Models
import Store
import TestSupport
import Torch
import XCTest

/// vimo-flow end to end: decode shards in, float16 flow shards out.
final class FlowStageTests: XCTestCase {
    var root: URL!
    var frames: URL { root.appendingPathComponent("frames") }
    var out: URL { root.appendingPathComponent("flow") }
    var clips: [SyntheticDataset.Clip] = []

    override func setUpWithError() throws {
        root = try TestSupport.temporaryFolder("vimo-flow")
        let dataset = root.appendingPathComponent("dataset")
        clips = try SyntheticDataset.generate(at: dataset, spec: .init(clips: 4, frames: 6, width: 96, height: 64, seed: 5))
        // One clip becomes a one-frame video: zero pairs, recorded, not a failure.
        try TestSupport.makePatternVideo(at: dataset.appendingPathComponent("video/\(clips[0].id).mp4"), width: 96,
                                         height: 64, frames: 1)
        let decoded = try TestSupport.run(TestSupport.product("vimo-decode"),
                                          ["--dataset", dataset.path, "--out", frames.path, "--quiet"])
        XCTAssertEqual(decoded.status, 0, decoded.stderr)
    }

    func flow(_ extra: [String]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(TestSupport.product("vimo-flow"), ["--frames", frames.path, "--out", out.path, "--quiet"] + extra)
    }

    func summary() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary-flow.json"))) as! [String: Any]
    }

    func testRAFTFlowRowsAlignWithFramePairsAndMatchTheModel() throws {
        let result = try flow(["--method", "raft-small", "--weights", "random:3", "--iters", "2", "--batch", "3"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let upstream = try ShardIndex.build(directory: frames)
        let index = try ShardIndex.build(directory: out)
        XCTAssertEqual(index.items, upstream.items)
        for id in upstream.items {
            let up = upstream[id]!, entry = index[id]!
            let upFrames = try ShardReader(url: up.shard).frameIndex(rows: up.rows)
            XCTAssertEqual(entry.rows.count, max(0, up.rows.count - 1), id)
            XCTAssertEqual(try ShardReader(url: entry.shard).frameIndex(rows: entry.rows), Array(upFrames.dropLast()), id)
        }
        XCTAssertEqual(index[clips[0].id]?.rows.count, 0)
        let warnings = try summary()["warnings"] as? [[String: String]] ?? []
        XCTAssertTrue(warnings.contains { $0["item"] == clips[0].id }, "the one-frame video is recorded")

        // The stored fields are the model's output (rounded to float16).
        let id = clips[1].id, up = upstream[id]!, entry = index[id]!
        let pixels = try ShardReader(url: up.shard).readFrames(rows: up.rows)
        Torch.seed(3)
        let model = try RAFT(.small)
        let expected = try Torch.withoutGrad {
            try model.videoFlow(RAFT.prepare(Tensor(pixels, shape: [up.rows.count, 224, 224, 3])).images, iterations: 2)
        }
        let stored = try Tensor(try ShardReader(url: entry.shard).readFlow(rows: entry.rows), shape: expected.shape)
        try assertClose(stored, expected, tolerance: 2e-2, "stored float16 flow vs the model")

        let again = try flow(["--method", "raft-small", "--weights", "random:3", "--iters", "2"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try summary()["processed"] as? Int, 0)
        XCTAssertEqual(try summary()["already_cached"] as? Int, clips.count)
        let other = try flow(["--method", "raft-small", "--weights", "random:4", "--iters", "2"])
        XCTAssertEqual(other.status, 2, "other weights, same folder: refused")
        XCTAssertTrue(other.stderr.contains("other parameters"), other.stderr)
    }

    func testDISFlowAndPreview() throws {
        let result = try flow(["--method", "dis", "--preset", "ultrafast"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let index = try ShardIndex.build(directory: out)
        let entry = index[clips[1].id]!
        let values = try ShardReader(url: entry.shard).readFlow(rows: entry.rows)
        XCTAssertTrue(values.allSatisfy(\.isFinite))
        XCTAssertGreaterThan(values.map(abs).max() ?? 0, 0.1, "moving animals give non-zero flow")

        let png = root.appendingPathComponent("p.png"), mp4 = root.appendingPathComponent("p.mp4")
        for target in [png, mp4] {
            let preview = try TestSupport.run(TestSupport.product("vimo-flow"),
                                              ["preview", clips[1].id, "--flow", out.path, "--out", target.path])
            XCTAssertEqual(preview.status, 0, preview.stderr)
        }
        let image = try VideoDecoder(url: png).decodeFrames().frames
        XCTAssertEqual(image.count, 1)
        XCTAssertEqual(try VideoDecoder(url: mp4).info.frameCount, entry.rows.count)
    }

    /// `--storage exact` (the default) stores each field rounded at k = 10: against the same flow stored
    /// unrounded (`--storage raw`), no value moves by more than float16's own rounding at that field's
    /// largest vector (half its step there), the top binade does not move at all, and the shards say so.
    func testExactFlowDiffersFromRawByNoMoreThanFloat16RoundingAtTheFieldsMaximum() throws {
        try checkRounding(storage: nil, bits: 10, attribute: "exact;flow_rounding_bits=10")
    }

    /// `--storage compact` rounds at k = 8: no value moves by more than 1/512 of its field's largest binade
    /// (≤ 0.031 px while the largest vector is under 32 px), the shards say so, and its folder is its own.
    func testCompactFlowMovesNoValueByMoreThanA512thOfItsFieldsLargestBinade() throws {
        try checkRounding(storage: "compact", bits: 8, attribute: "compact;flow_rounding_bits=8")
    }

    /// Flow stored under `storage` (nil: the default) against the same flow stored unrounded: each value moves
    /// by at most half of the step 2^(E − bits), values in the top binade do not move when bits = 10, some move.
    private func checkRounding(storage: String?, bits: Int, attribute: String) throws {
        let raw = root.appendingPathComponent("flow-raw")
        let stored = try TestSupport.run(TestSupport.product("vimo-flow"),
                                         ["--frames", frames.path, "--out", raw.path, "--quiet", "--method", "dis", "--storage", "raw"])
        XCTAssertEqual(stored.status, 0, stored.stderr)
        let result = try flow(["--method", "dis"] + (storage.map { ["--storage", $0] } ?? []))
        XCTAssertEqual(result.status, 0, result.stderr)
        let roundedIndex = try ShardIndex.build(directory: out), rawIndex = try ShardIndex.build(directory: raw)
        XCTAssertEqual(roundedIndex.items, rawIndex.items)
        var moved = 0, fields = 0
        for id in rawIndex.items {
            let a = rawIndex[id]!, b = roundedIndex[id]!
            let rawReader = try ShardReader(url: a.shard), roundedReader = try ShardReader(url: b.shard)
            XCTAssertEqual(rawReader.metadata.storage, "raw")
            XCTAssertEqual(roundedReader.metadata.storage, attribute)
            XCTAssertEqual(try roundedReader.filterIDs(of: "flow"), [2, 32015, 3], "shuffle, zstd, Fletcher-32")
            let before = try rawReader.readFlowHalf(rows: a.rows), after = try roundedReader.readFlowHalf(rows: b.rows)
            XCTAssertEqual(before.count, after.count, id)
            let pixels = 224 * 224
            for field in 0..<a.rows.count {
                let range = (field * 2 * pixels)..<((field + 1) * 2 * pixels)
                let maxr = (0..<pixels).map { hypot(Double(before[range.lowerBound + $0]), Double(before[range.lowerBound + pixels + $0])) }.max()!
                guard maxr > 0 else { continue }
                let binade = pow(2, floor(log2(maxr)))
                let halfStep = binade / pow(2, Double(bits + 1))  // at k = 10, half of float16's own step there
                fields += 1
                for index in range {
                    let change = abs(Double(after[index]) - Double(before[index]))
                    XCTAssertLessThanOrEqual(change, halfStep, "\(id) field \(field) [\(index - range.lowerBound)]")
                    if bits == 10, abs(Double(before[index])) >= binade { XCTAssertEqual(change, 0, "\(id) field \(field): top binade moved") }
                    if change > 0 { moved += 1 }
                }
            }
        }
        XCTAssertGreaterThan(fields, 0)
        XCTAssertGreaterThan(moved, 0, "rounding changed nothing: the test no longer sees the \(storage ?? "exact") profile")
    }

    func testMissingOrWrongWeightsAreClearErrors() throws {
        let missing = try flow(["--method", "raft-large", "--weights", root.appendingPathComponent("nope.pth").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("nope.pth"), missing.stderr)
        let none = try flow(["--method", "raft-large"])
        XCTAssertEqual(none.status, 64, none.stderr)
        XCTAssertTrue(none.stderr.contains("--weights"), none.stderr)

        // A checkpoint missing one key and carrying a stray one: both named.
        let model = try RAFT(.small)
        var weights = model.stateDict()
        weights["update_block.flow_head.conv2.bias"] = nil
        weights["stray.weight"] = try Tensor.zeros([2])
        let file = root.appendingPathComponent("bad.safetensors")
        try Torch.saveSafetensors(weights, to: file)
        let bad = try flow(["--method", "raft-small", "--weights", file.path])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("update_block.flow_head.conv2.bias"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("stray.weight"), bad.stderr)
    }
}
