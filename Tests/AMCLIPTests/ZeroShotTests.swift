import Datasets
import Foundation
import Store
import TestSupport
import XCTest

/// `vimo-amclip zero-shot` against transformers 4.49's XCLIPModel: the same seeded tiny X-CLIP
/// (saved with save_pretrained), the same decoded frames (Big Buck Bunny and synthetic clips
/// through vimo-decode), the same prompts through OpenAI's tokenizer: logits_per_video per video.
final class ZeroShotTests: XCTestCase {
    static let venvPython = TestSupport.repositoryRoot.appendingPathComponent("data/.venv-ref/bin/python").path
    static let script = TestSupport.repositoryRoot.appendingPathComponent("Tests/AMCLIPTests/Fixtures/xclip_zero_shot_reference.py").path
    static let wheel = TestSupport.repositoryRoot.appendingPathComponent("data/.pip/clip_anytorch-2.6.0-py3-none-any.whl").path
    static let vocabulary = TestSupport.repositoryRoot.appendingPathComponent("data/samples/bpe_simple_vocab_16e6.txt.gz").path

    func reference(_ arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.venvPython) else {
            throw XCTSkip("the reference venv \(Self.venvPython) is missing: run make bootstrap")
        }
        // The decode shards are zstd-compressed (storage `exact`): Debian's h5py reads them through hdf5plugin's filter.
        guard let plugins = TestSupport.hdf5PluginPath else {
            throw XCTSkip("hdf5plugin's filters are missing from data/.venv-h5: run make bootstrap")
        }
        let result = try TestSupport.run(Self.venvPython, [Self.script] + arguments,
                                         environment: ["HF_HUB_OFFLINE": "1", "HDF5_PLUGIN_PATH": plugins])
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    func testLogitsMatchTransformersOnRealFrames() throws {
        let root = try TestSupport.temporaryFolder("vimo-zero-shot")
        addTeardownBlock { [weak self] in
            if self?.testRun?.hasSucceeded == true { try? FileManager.default.removeItem(at: root) }
        }
        let dataset = root.appendingPathComponent("dataset"), frames = root.appendingPathComponent("frames")
        let bunny = SyntheticDataset.ExtraVideo(id: "BUNNYCLP", source: TestSupport.bigBuckBunny, labels: [2])
        _ = try SyntheticDataset.generate(at: dataset, spec: .init(clips: 2, frames: 6, width: 96, height: 64, seed: 3), extras: [bunny])
        let decode = try TestSupport.run(TestSupport.product("vimo-decode"), ["--dataset", dataset.path, "--out", frames.path, "--quiet"])
        XCTAssertEqual(decode.status, 0, decode.stderr)

        let model = root.appendingPathComponent("xclip-tiny")
        try reference(["make", model.path, "7", "8"])
        let classes = root.appendingPathComponent("classes.txt")
        try SyntheticDataset.classes.writeClassesTxt(to: classes)
        let template = "a video of an animal {}."
        let out = root.appendingPathComponent("scores")
        let arguments = ["zero-shot", "--frames", frames.path, "--weights", model.path, "--classes", classes.path,
                         "--template", template, "--vocabulary", Self.vocabulary, "--out", out.path]
        let run = try TestSupport.run(TestSupport.product("vimo-amclip"), arguments + ["--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)

        let names = root.appendingPathComponent("classes.json")
        try JSONEncoder().encode(SyntheticDataset.classes.names).write(to: names)
        let expectedURL = root.appendingPathComponent("reference.json")
        try reference(["score", model.path, frames.path, "8", names.path, template, Self.wheel, expectedURL.path])
        let expected = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: expectedURL)) as? [String: [String: Any]])

        let index = try ShardIndex.build(directory: out), upstream = try ShardIndex.build(directory: frames)
        XCTAssertEqual(index.items, upstream.items, "one row of scores per decoded video")
        XCTAssertTrue(index.items.contains("BUNNYCLP"))
        let k = SyntheticDataset.classes.count
        for id in index.items {
            let entry = try XCTUnwrap(index[id]), up = try XCTUnwrap(upstream[id])
            let reader = try ShardReader(url: entry.shard), upReader = try ShardReader(url: up.shard)
            XCTAssertEqual(entry.rows.count, 1)
            let scores = try reader.readScores(rows: entry.rows)
            let want = try XCTUnwrap(expected[id]?["logits"] as? [Double], id)
            XCTAssertEqual(scores.count, k)
            let largest = want.map(abs).max() ?? 1
            let worst = zip(scores, want).map { abs(Double($0) - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(worst, 1e-4 * largest, "\(id): max |Δ| \(worst) against logits up to \(largest)")
            XCTAssertEqual(try reader.labels(item: entry.position), try upReader.labels(item: up.position), "labels travel along")
            let rows = try XCTUnwrap(expected[id]?["rows"] as? [Int])
            XCTAssertEqual(try reader.frameIndex(rows: entry.rows), [try upReader.frameIndex(rows: up.rows)[rows[0]]])
        }

        // vimo-eval reads the scores with the class names written beside them.
        let eval = try TestSupport.run(TestSupport.product("vimo-eval"), ["--scores", out.path, "--out", root.appendingPathComponent("eval").path])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertTrue(String(decoding: try Data(contentsOf: root.appendingPathComponent("eval/per_class.csv")), as: UTF8.self)
            .contains(SyntheticDataset.classes.names[0]))

        // A second run finds every video scored.
        let again = try TestSupport.run(TestSupport.product("vimo-amclip"), arguments)
        XCTAssertEqual(again.status, 0, again.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary-amclip-zero-shot.json")))
            as? [String: Any])
        XCTAssertEqual(summary["processed"] as? Int, 0)
        XCTAssertEqual(summary["already_cached"] as? Int, index.items.count)

        // Another frame count than the model's is refused before any forward pass, naming both.
        let wrong = try TestSupport.run(TestSupport.product("vimo-amclip"),
                                        arguments.map { $0 == out.path ? root.appendingPathComponent("wrong").path : $0 } + ["--frames-per-video", "6"])
        XCTAssertEqual(wrong.status, 2)
        XCTAssertTrue(wrong.stderr.contains("6") && wrong.stderr.contains("8 frames"), wrong.stderr)

        // A class list whose size differs from the shards' labels is refused, naming both counts.
        let mismatched = try TestSupport.run(TestSupport.product("vimo-amclip"),
                                             ["zero-shot", "--frames", frames.path, "--weights", model.path, "--vocabulary", Self.vocabulary,
                                              "--out", root.appendingPathComponent("k").path])
        XCTAssertEqual(mismatched.status, 2)
        XCTAssertTrue(mismatched.stderr.contains("\(k) labels") && mismatched.stderr.contains("140 classes"), mismatched.stderr)
    }
}
