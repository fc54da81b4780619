import Datasets
import Foundation
import Store
import TestSupport
import XCTest

/// The paper's ablation on a seeded stand-in: appearance (CLIP) embeddings carry no label
/// information, motion embeddings do — so fusions that see motion must beat `rgb`.
/// Everything runs through the commands: vimo-tfam train / predict, vimo-eval.
final class TFAMAblationTests: XCTestCase {
    static let classes = 4, dim = 32

    /// Writes CLIP-like and motion-like embedding shards for `count` clips.
    static func writeStandIn(clip: URL, motion: URL, count: Int, seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        func gaussian() -> Float {
            let u = max(rng.uniform(0, 1), 1e-12), v = rng.uniform(0, 1)
            return Float((-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v))
        }
        var protoRNG = SplitMix64(seed: 1234)
        let prototypes = (0..<classes).map { _ in (0..<dim).map { _ in Float(protoRNG.uniform(-1, 1)) } }
        let meta = ShardMetadata(stage: "stand-in", fingerprint: "x", params: "{}")
        let clipWriter = try ShardWriter(directory: clip, worker: "w0", metadata: meta, payload: .embeddings(dim: dim), labelCount: classes)
        let motionWriter = try ShardWriter(directory: motion, worker: "w0", metadata: meta, payload: .embeddings(dim: dim), labelCount: classes)
        for n in 0..<count {
            var labels = (0..<classes).map { _ in UInt8(rng.uniform(0, 1) < 0.35 ? 1 : 0) }
            if !labels.contains(1) { labels[Int(rng.next() % UInt64(classes))] = 1 }
            let frames = 10 + Int(rng.next() % 7)
            let appearance = (0..<dim).map { _ in gaussian() }
            var rgb: [Float] = [], mot: [Float] = []
            for t in 0..<frames {
                rgb += appearance.map { $0 + 0.3 * gaussian() }
                if t < frames - 1 {
                    let phase = Float(Foundation.sin(Double(t)))
                    mot += (0..<dim).map { d in
                        (0..<classes).reduce(Float(0)) { $0 + Float(labels[$1]) * prototypes[$1][d] * (1 + 0.3 * phase) } + 0.5 * gaussian()
                    }
                }
            }
            let id = String(format: "CLIP%04d", n)
            try clipWriter.append(item: id, source: "s", frameIndex: (0..<frames).map(Int32.init), embeddings: rgb, labels: labels)
            try motionWriter.append(item: id, source: "s", frameIndex: (0..<(frames - 1)).map(Int32.init), embeddings: mot, labels: labels)
        }
        try clipWriter.commit()
        try motionWriter.commit()
    }

    func run(_ tool: String, _ arguments: [String]) throws {
        let result = try TestSupport.run(TestSupport.product(tool), arguments)
        XCTAssertEqual(result.status, 0, "\(tool) \(arguments.joined(separator: " ")): \(result.stderr)")
    }

    func testMotionAwareFusionsBeatRGBAndAllVariantsRun() throws {
        let root = try TestSupport.temporaryFolder("tfam")
        let (trainClip, trainMotion) = (root.appendingPathComponent("train/clip"), root.appendingPathComponent("train/motion"))
        let (testClip, testMotion) = (root.appendingPathComponent("test/clip"), root.appendingPathComponent("test/motion"))
        try Self.writeStandIn(clip: trainClip, motion: trainMotion, count: 120, seed: 1)
        try Self.writeStandIn(clip: testClip, motion: testMotion, count: 48, seed: 2)

        var map: [String: Double] = [:]
        for fusion in ["rgb", "motion", "concat-embedding", "concat-temporal", "cross"] {
            let model = root.appendingPathComponent("model-\(fusion)")
            try run("vimo-tfam", ["train", "--clip", trainClip.path, "--motion", trainMotion.path, "--out", model.path,
                                  "--fusion", fusion, "--epochs", "10", "--batch", "16", "--lr", "3e-3", "--layers", "1",
                                  "--heads", "4", "--feed-forward", "64", "--dropout", "0", "--validation-fraction", "0.2"])
            let scores = root.appendingPathComponent("scores-\(fusion)")
            try run("vimo-tfam", ["predict", "--clip", testClip.path, "--motion", testMotion.path, "--split", "all",
                                  "--weights", model.appendingPathComponent("best.safetensors").path, "--out", scores.path])
            let eval = root.appendingPathComponent("eval-\(fusion)")
            try run("vimo-eval", ["--scores", scores.path, "--out", eval.path])
            let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: eval.appendingPathComponent("metrics.json"))) as! [String: Any]
            map[fusion] = try XCTUnwrap(metrics["map"] as? Double, "metrics.json has map")
        }
        print("TFAM ablation, test mAP on the stand-in: \(map.sorted { $0.key < $1.key })")
        let rgb = map["rgb"]!
        XCTAssertLessThan(rgb, 0.75, "appearance alone carries no label information: \(map)")
        XCTAssertGreaterThan(map["cross"]!, rgb + 0.15, "\(map)")
        XCTAssertGreaterThan(map["concat-temporal"]!, rgb + 0.15, "\(map)")
        XCTAssertGreaterThan(map["motion"]!, rgb + 0.15, "\(map)")
    }

    func testResumedTrainingEndsWithTheSameWeights() throws {
        let root = try TestSupport.temporaryFolder("tfam-resume")
        let (clip, motion) = (root.appendingPathComponent("clip"), root.appendingPathComponent("motion"))
        try Self.writeStandIn(clip: clip, motion: motion, count: 40, seed: 3)
        let common = ["train", "--clip", clip.path, "--motion", motion.path, "--batch", "8", "--lr", "1e-3", "--layers", "1",
                      "--heads", "4", "--feed-forward", "32", "--dropout", "0.2"]
        let straight = root.appendingPathComponent("straight"), resumed = root.appendingPathComponent("resumed")
        try run("vimo-tfam", common + ["--out", straight.path, "--epochs", "4"])
        // Interrupted after two epochs (as a time-limited job would be), then run again.
        try run("vimo-tfam", common + ["--out", resumed.path, "--epochs", "4", "--stop-after", "2"])
        let partial = try JSONSerialization.jsonObject(with: Data(contentsOf: resumed.appendingPathComponent("last.json"))) as! [String: Any]
        XCTAssertEqual(partial["epoch"] as? Int, 2)
        try run("vimo-tfam", common + ["--out", resumed.path, "--epochs", "4"])
        // The same bytes, the best checkpoint (weights and description) included; last.optim may differ in
        // bytes only (libtorch archives the optimiser's tensors in an order of its own).
        for file in ["last.safetensors", "best.safetensors", "best.json"] {
            let a = try Data(contentsOf: straight.appendingPathComponent(file))
            let b = try Data(contentsOf: resumed.appendingPathComponent(file))
            XCTAssertEqual(a, b, "\(file): resumed run ends as the uninterrupted one")
        }
    }
}
