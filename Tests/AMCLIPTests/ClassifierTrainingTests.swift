import Datasets
import Foundation
import Store
import TestSupport
import XCTest

/// `vimo-amclip train | predict` on a small synthetic cache (vimo-decode + DIS flow): resuming after `--stop-after`
/// ends with the same bytes as an uninterrupted run, the text tower runs once per run, prediction writes the
/// scores shard vimo-eval reads, and the checkpoint alone (its safetensors metadata) is enough to predict.
final class ClassifierTrainingTests: XCTestCase {
    static var cache: (root: URL, dataset: URL, frames: URL, flow: URL)?

    /// The dataset and its cache, made once for the class.
    func prepared() throws -> (root: URL, dataset: URL, frames: URL, flow: URL) {
        if let cache = Self.cache { return cache }
        let root = try TestSupport.temporaryFolder("vimo-amclip-train")
        let dataset = root.appendingPathComponent("dataset"), frames = root.appendingPathComponent("frames")
        let flow = root.appendingPathComponent("flow")
        _ = try SyntheticDataset.generate(at: dataset, spec: .init(clips: 14, frames: 6, width: 64, height: 64, seed: 4, task: .motion))
        let decode = try TestSupport.run(TestSupport.product("vimo-decode"), ["--dataset", dataset.path, "--out", frames.path, "--quiet"])
        XCTAssertEqual(decode.status, 0, decode.stderr)
        let computed = try TestSupport.run(TestSupport.product("vimo-flow"),
                                           ["compute", "--frames", frames.path, "--out", flow.path, "--method", "dis", "--quiet"])
        XCTAssertEqual(computed.status, 0, computed.stderr)
        Self.cache = (root, dataset, frames, flow)
        return (root, dataset, frames, flow)
    }

    func output(_ result: TestSupport.ProcessResult) -> String { String(decoding: result.stdout, as: UTF8.self) + result.stderr }

    func train(_ out: URL, _ extra: [String] = [], config: [String] = ["--config", "tiny"]) throws -> TestSupport.ProcessResult {
        let cache = try prepared()
        return try TestSupport.run(TestSupport.product("vimo-amclip"), [
            "train", "--frames", cache.frames.path, "--flow", cache.flow.path, "--annotations", cache.dataset.path,
            "--out", out.path] + config + ["--modality", "rgb+flow", "--scheme", "sparse:2", "--classifiers", "2",
            "--epochs", "3", "--batch", "2", "--accumulate", "2", "--lr", "1e-3", "--flip", "--prompt-alpha", "0.01",
            "--validation-fraction", "0.25", "--min-validation", "3", "--seed", "5",
        ] + extra)
    }

    func testResumeAfterStopGivesTheSameBytesAndTheTextTowerRunsOnce() throws {
        let root = try prepared().root
        let whole = root.appendingPathComponent("whole"), split = root.appendingPathComponent("split")
        let first = try train(whole)
        XCTAssertEqual(first.status, 0, output(first))
        let log = output(first)
        XCTAssertTrue(log.contains("text tower: 1 pass for 5 prompts"), log)
        XCTAssertEqual(log.components(separatedBy: "(data ").count - 1, 3, "one line per epoch, with data and model time: \(log)")

        let stopped = try train(split, ["--stop-after", "1"])
        XCTAssertEqual(stopped.status, 0, stopped.stderr)
        XCTAssertEqual((output(stopped)).components(separatedBy: "(data ").count - 1, 1)
        let resumed = try train(split)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue((output(resumed)).contains("resuming after epoch 1 of 3"), output(resumed))
        XCTAssertTrue((output(resumed)).contains("text tower: 1 pass"), "a resumed run encodes the prompts once too")
        for name in ["last.safetensors", "best.safetensors"] {
            let a = try Data(contentsOf: whole.appendingPathComponent(name)), b = try Data(contentsOf: split.appendingPathComponent(name))
            XCTAssertEqual(a, b, "\(name): resumed and uninterrupted runs agree byte for byte")
        }
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: whole.appendingPathComponent("best.json"))) as? [String: Any])
        let threshold = try XCTUnwrap(record["validationThreshold"] as? Double)
        XCTAssertTrue((0.05...0.95).contains(threshold), "\(threshold)")
        XCTAssertEqual(record["validationItems"] as? Int, 3)

        // Another seed draws other weights: the comparison above can fail.
        let other = root.appendingPathComponent("other")
        let reseeded = try train(other, ["--seed", "6", "--epochs", "1"])
        XCTAssertEqual(reseeded.status, 0, reseeded.stderr)
        XCTAssertNotEqual(try Data(contentsOf: other.appendingPathComponent("last.safetensors")),
                          try Data(contentsOf: whole.appendingPathComponent("last.safetensors")))
    }

    /// The float32 values of `name` in a safetensors file (header parsed by hand: the test needs no Torch).
    static func tensor(_ name: String, in url: URL) throws -> [Float] {
        let data = try Data(contentsOf: url)
        let length = Int(data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = try XCTUnwrap(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
        let entry = try XCTUnwrap(header[name] as? [String: Any], "\(name) in \(url.lastPathComponent)")
        XCTAssertEqual(entry["dtype"] as? String, "F32")
        let range = try XCTUnwrap(entry["data_offsets"] as? [Int])
        let bytes = data.subdata(in: (8 + length + range[0])..<(8 + length + range[1]))
        return bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// `--init` takes an earlier vimo-amclip checkpoint: its X-CLIP (here an rgb run's, 2 images a clip, growing to
    /// rgb+flow's 4 with the MIT positions resampled), with a new head; `--config` beside it is refused.
    func testAnEarlierClassifierCheckpointStartsANewRun() throws {
        let root = try prepared().root
        let rgb = root.appendingPathComponent("init-rgb"), both = root.appendingPathComponent("init-both")
        let first = try train(rgb, ["--modality", "rgb", "--epochs", "1"])
        XCTAssertEqual(first.status, 0, output(first))
        let start = rgb.appendingPathComponent("best.safetensors")
        // A learning rate far below float32's resolution of these weights: what the run saves is what it loaded.
        let second = try train(both, ["--init", start.path, "--epochs", "1", "--lr", "1e-14"], config: [])
        XCTAssertEqual(second.status, 0, output(second))
        for name in ["visual.conv1.weight", "visual.transformer.resblocks.0.mlp.c_fc.weight"] {
            let before = try Self.tensor(name, in: start), after = try Self.tensor(name, in: both.appendingPathComponent("last.safetensors"))
            XCTAssertEqual(before.count, after.count, name)
            XCTAssertLessThan(zip(before, after).map { abs($0 - $1) }.max() ?? 1, 1e-6, "\(name): loaded from the earlier run")
        }
        let positions = try Self.tensor("mit.positional_embedding", in: both.appendingPathComponent("last.safetensors"))
        XCTAssertEqual(positions.count, 4 * (try Self.tensor("mit.positional_embedding", in: start).count) / 2, "2 → 4 MIT positions")
        let refused = try train(root.appendingPathComponent("init-config"), ["--init", start.path, "--epochs", "1"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("--config does not apply"), refused.stderr)
    }

    func testPredictWritesScoresThatEvalReadsAndTheWeightsFileAloneIsEnough() throws {
        let cache = try prepared()
        let trained = cache.root.appendingPathComponent("for-predict")
        let run = try train(trained, ["--epochs", "1", "--dtype", "bf16"])
        XCTAssertEqual(run.status, 0, output(run))
        let scores = cache.root.appendingPathComponent("scores")
        let predict = try TestSupport.run(TestSupport.product("vimo-amclip"), [
            "predict", "--frames", cache.frames.path, "--flow", cache.flow.path, "--annotations", cache.dataset.path,
            "--weights", trained.appendingPathComponent("best.safetensors").path, "--split", "all", "--out", scores.path])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        XCTAssertTrue((output(predict)).contains("text tower: 1 pass for 5 prompts"), output(predict))
        XCTAssertTrue((output(predict)).contains("chosen on validation"), output(predict))
        let csv = try String(contentsOf: scores.appendingPathComponent("predictions.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 15, "header + 14 videos: \(csv)")
        let eval = cache.root.appendingPathComponent("eval")
        let evaluated = try TestSupport.run(TestSupport.product("vimo-eval"),
                                            ["--scores", scores.path, "--annotations", cache.dataset.path, "--out", eval.path])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        let metrics = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: eval.appendingPathComponent("metrics.json"))) as? [String: Any])
        XCTAssertNotNil(metrics["map"] as? Double, "\(metrics)")

        // Without best.json the safetensors metadata rebuilds the model: the same scores.
        let alone = cache.root.appendingPathComponent("alone")
        try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: trained.appendingPathComponent("best.safetensors"), to: alone.appendingPathComponent("model.safetensors"))
        let again = cache.root.appendingPathComponent("scores-alone")
        let second = try TestSupport.run(TestSupport.product("vimo-amclip"), [
            "predict", "--frames", cache.frames.path, "--flow", cache.flow.path, "--annotations", cache.dataset.path,
            "--weights", alone.appendingPathComponent("model.safetensors").path, "--split", "all", "--threshold", "0.5", "--out", again.path])
        XCTAssertEqual(second.status, 0, second.stderr)
        let a = try ShardFile.values(in: scores), b = try ShardFile.values(in: again)
        XCTAssertEqual(a, b)

        // An rgb+flow checkpoint without --flow is refused by name.
        let refused = try TestSupport.run(TestSupport.product("vimo-amclip"), [
            "predict", "--frames", cache.frames.path, "--annotations", cache.dataset.path,
            "--weights", trained.appendingPathComponent("best.safetensors").path, "--out", cache.root.appendingPathComponent("x").path])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("give --flow"), refused.stderr)
    }
}

/// The scores a predict folder holds, for comparing two folders.
private enum ShardFile {
    static func values(in folder: URL) throws -> [Float] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".h5") }
        XCTAssertEqual(names.count, 1)
        let reader = try ShardReader(url: folder.appendingPathComponent(names[0]))
        return try reader.readScores(rows: 0..<reader.rowCount)
    }
}
