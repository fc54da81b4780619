import Foundation
import Models
import Store
import TestSupport
import Torch
import XCTest

/// NaN and infinity through the item stages and the motion student's trainer: damaged weights are
/// rejected at load naming file and tensor, a damaged item fails alone, a diverging loss stops training
/// with its epoch and step and leaves the last good checkpoint to resume from.
final class FiniteStageTests: XCTestCase {
    static let classes = 3, dim = 32   // the tiny encoder's embedding width

    @discardableResult
    func run(_ tool: String, _ arguments: [String], status: Int32 = 0, file: StaticString = #filePath,
             line: UInt = #line) throws -> String {
        let result = try TestSupport.run(TestSupport.product(tool), arguments)
        XCTAssertEqual(result.status, status, "\(tool) \(arguments.joined(separator: " ")):\n\(result.stderr)", file: file, line: line)
        return result.stderr
    }

    /// The error lines a command printed.
    func errors(_ log: String) -> [Substring] { log.split(separator: "\n").filter { $0.contains(": error: ") } }

    /// A decode folder of `count` items with `frames` 224×224 frames each.
    func writeFrames(_ folder: URL, count: Int, frames: Int = 2) throws {
        let writer = try ShardWriter(directory: folder, worker: "w0", metadata: ShardMetadata(stage: "decode", fingerprint: "f", params: "{}"),
                                     payload: .frames(height: 224, width: 224, channels: 3), labelCount: Self.classes)
        for n in 0..<count {
            let pixels = (0..<frames).flatMap { TestSupport.patternFrame(width: 224, height: 224, index: $0, seed: n) }
            try writer.append(item: "V\(n)", source: "s\(n)", frameIndex: (0..<Int32(frames)).map { $0 }, frames: pixels,
                              labels: [1, 0, UInt8(n % 2)])
        }
        try writer.commit()
    }

    /// Flow (`T − 1` fields per item) and teacher embeddings (`T` rows) of `count` items; `poison` puts
    /// one NaN into that item's flow.
    func writeFlowAndClip(flow: URL, clip: URL, count: Int, frames: Int = 5, poison: String? = nil) throws {
        var rng = SeededGenerator(seed: 7)
        let flowWriter = try ShardWriter(directory: flow, worker: "w0", metadata: ShardMetadata(stage: "flow", fingerprint: "f", params: "{}"),
                                         payload: .flow(height: 224, width: 224), labelCount: Self.classes)
        let clipWriter = try ShardWriter(directory: clip, worker: "w0", metadata: ShardMetadata(stage: "clip", fingerprint: "c", params: "{}"),
                                         payload: .embeddings(dim: Self.dim), labelCount: Self.classes)
        for n in 0..<count {
            let id = "V\(n)", labels: [UInt8] = [1, UInt8(n % 2), UInt8((n / 2) % 2)]
            var field = (0..<((frames - 1) * 2 * 224 * 224)).map { _ in Float(rng.unit() * 4 - 2) }
            if id == poison { field[1234] = .nan }
            try flowWriter.append(item: id, source: "s", frameIndex: (0..<Int32(frames - 1)).map { $0 }, flow: field, labels: labels)
            try clipWriter.append(item: id, source: "s", frameIndex: (0..<Int32(frames)).map { $0 },
                                  embeddings: (0..<(frames * Self.dim)).map { _ in Float(rng.unit() * 2 - 1) }, labels: labels)
        }
        try flowWriter.commit()
        try clipWriter.commit()
    }

    // MARK: vimo-clip

    func testClipRejectsWeightsHoldingNaNNamingFileAndTensor() throws {
        let root = try TestSupport.temporaryFolder("finite-clip")
        let frames = root.appendingPathComponent("frames")
        try writeFrames(frames, count: 2)
        // An OpenAI-layout state dict (names under `visual.`), written with the project's own safetensors writer.
        var weights = try CLIPVision(.tiny).stateDict()
        var conv = try weights["conv1.weight"]!.toArray(Float.self)
        for i in [5, 50, 500] { conv[i] = .nan }
        weights["conv1.weight"] = try Tensor(conv, shape: weights["conv1.weight"]!.shape)
        let file = root.appendingPathComponent("ViT-tiny.safetensors")
        try Torch.saveSafetensors(Dictionary(uniqueKeysWithValues: weights.map { ("visual." + $0.key, $0.value) }), to: file)

        let log = try run("vimo-clip", ["--frames", frames.path, "--out", root.appendingPathComponent("clip").path, "--model", "tiny",
                                        "--weights", file.path], status: 2)
        XCTAssertTrue(log.contains("\(file.path): tensor visual.conv1.weight holds 3 NaN value(s)"), log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("clip").appendingPathComponent("summary-clip.json").path))
    }

    func testClipNamesTheWeightsFileOfAMismatch() throws {
        let root = try TestSupport.temporaryFolder("mismatch-clip")
        let frames = root.appendingPathComponent("frames")
        try writeFrames(frames, count: 1)
        var weights = try CLIPVision(.tiny).stateDict()
        weights["ln_post.bias"] = nil
        let file = root.appendingPathComponent("partial.safetensors")
        try Torch.saveSafetensors(weights, to: file)
        let log = try run("vimo-clip", ["--frames", frames.path, "--out", root.appendingPathComponent("clip").path, "--model", "tiny",
                                        "--weights", file.path], status: 2)
        XCTAssertTrue(log.contains("\(file.path): weights do not fit the model: missing keys: ln_post.bias"), log)
    }

    func testAnItemWhoseOutputIsNotFiniteFailsAndIsNotCommitted() throws {
        let root = try TestSupport.temporaryFolder("finite-output")
        let frames = root.appendingPathComponent("frames"), out = root.appendingPathComponent("clip")
        try writeFrames(frames, count: 2)
        // Finite weights whose output overflows float32: the final norm emits 3e38 everywhere, summed by ones.
        var weights = try CLIPVision(.tiny).stateDict()
        weights["ln_post.weight"] = try Tensor.zeros([64])
        weights["ln_post.bias"] = try Tensor.full([64], 3e38)
        weights["proj"] = try Tensor.ones([64, Self.dim])
        let file = root.appendingPathComponent("overflowing.safetensors")
        try Torch.saveSafetensors(weights, to: file)

        let log = try run("vimo-clip", ["--frames", frames.path, "--out", out.path, "--model", "tiny", "--weights", file.path], status: 1)
        for id in ["V0", "V1"] {
            XCTAssertTrue(log.contains("failed: \(id): non-finite values in the output: 0 NaN, 64 Inf of 64; upstream rows or weights may be damaged"), log)
        }
        XCTAssertEqual(try ShardIndex.build(directory: out).items, [], "no rows of a failed item are committed")
    }

    // MARK: --out that cannot be created

    func testAnOutputFolderThatCannotBeCreatedIsNamed() throws {
        let root = try TestSupport.temporaryFolder("out-proc")
        let frames = root.appendingPathComponent("frames"), flow = root.appendingPathComponent("flow"), clip = root.appendingPathComponent("clip")
        try writeFrames(frames, count: 1)
        try writeFlowAndClip(flow: flow, clip: clip, count: 2)
        let blocked = "/proc/vimo-\(UUID().uuidString.prefix(6))/out"
        let commands: [(String, [String])] = [
            ("vimo-clip", ["--frames", frames.path, "--model", "tiny", "--weights", "random:1"]),
            ("vimo-flow", ["--frames", frames.path, "--method", "dis"]),
            ("vimo-moclip", ["embed", "--flow", flow.path, "--weights", root.appendingPathComponent("student.safetensors").path]),
            ("vimo-moclip", ["train", "--flow", flow.path, "--clip", clip.path, "--model", "tiny", "--teacher", "random:1"]),
        ]
        for (tool, arguments) in commands {
            let log = try run(tool, arguments + ["--out", blocked], status: 2)
            let lines = errors(log)
            XCTAssertEqual(lines.count, 1, log)
            XCTAssertTrue(lines.first?.contains("cannot create the output folder \(blocked): ") ?? false, log)
            XCTAssertFalse(log.contains("The file doesn"), log)
        }
    }

    // MARK: vimo-moclip

    func testDamagedInputsAndADivergingLossInTheMotionStudent() throws {
        let root = try TestSupport.temporaryFolder("finite-moclip")
        let flow = root.appendingPathComponent("flow"), clip = root.appendingPathComponent("clip")
        try writeFlowAndClip(flow: flow, clip: clip, count: 6)
        let student = root.appendingPathComponent("student")
        let common = ["train", "--flow", flow.path, "--clip", clip.path, "--model", "tiny", "--teacher", "random:1",
                      "--segment", "4", "--batch", "2", "--epochs", "2", "--validation-fraction", "0.25", "--min-validation", "1",
                      "--out", student.path]
        try run("vimo-moclip", common + ["--lr", "1e-3", "--stop-after", "1"])
        let last = try Data(contentsOf: student.appendingPathComponent("last.safetensors"))

        // An absurd learning rate: the first update throws the weights to ~1e30, the next loss is not a number.
        let diverged = try run("vimo-moclip", common + ["--lr", "1e30"], status: 4)
        XCTAssertTrue(diverged.contains("the loss became NaN at epoch 1, step ") || diverged.contains("the loss became +infinity at epoch 1, ")
                      || diverged.contains("at epoch 1, in validation"), diverged)
        XCTAssertTrue(diverged.contains("last.* of epoch 1"), diverged)
        XCTAssertFalse(diverged.contains("isn't in the correct format"), diverged)
        XCTAssertEqual(try Data(contentsOf: student.appendingPathComponent("last.safetensors")), last, "the good checkpoint is kept")
        let info = try JSONSerialization.jsonObject(with: Data(contentsOf: student.appendingPathComponent("last.json"))) as! [String: Any]
        XCTAssertEqual(info["epoch"] as? Int, 1)
        let resumed = try run("vimo-moclip", common + ["--lr", "1e-3"])
        XCTAssertTrue(resumed.contains("resuming after epoch 1 of 2"), resumed)

        // One item's flow holds a NaN: that item fails, named; the others are committed.
        let damaged = root.appendingPathComponent("damaged"), damagedClip = root.appendingPathComponent("damaged-clip")
        try writeFlowAndClip(flow: damaged, clip: damagedClip, count: 3, poison: "V1")
        let motion = root.appendingPathComponent("motion")
        let weights = student.appendingPathComponent("student.safetensors")
        let log = try run("vimo-moclip", ["embed", "--flow", damaged.path, "--weights", weights.path, "--out", motion.path, "--quiet"], status: 1)
        XCTAssertTrue(log.contains("failed: V1: upstream flow rows 4..<8 of "), log)
        XCTAssertTrue(log.contains("holds non-finite values: 1 NaN, 0 Inf of 401,408"), log)
        XCTAssertEqual(try ShardIndex.build(directory: motion).items, ["V0", "V2"])

        // The trainer names the item and the shard instead of training on it.
        let refused = try run("vimo-moclip", ["train", "--flow", damaged.path, "--clip", damagedClip.path, "--model", "tiny",
                                              "--teacher", "random:1", "--segment", "4", "--batch", "2", "--epochs", "1",
                                              "--validation-fraction", "0.3", "--min-validation", "1",
                                              "--out", root.appendingPathComponent("refused").path], status: 2)
        XCTAssertTrue(refused.contains("item V1) of \(damaged.path)"), refused)

        // A student copied without its JSON loads from the configuration it carries and embeds as it does
        // with the JSON; one that carries none (vimo before it embedded it) is named as what it is.
        let lone = root.appendingPathComponent("lone"), old = root.appendingPathComponent("old")
        for folder in [lone, old] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        try FileManager.default.copyItem(at: weights, to: lone.appendingPathComponent("student.safetensors"))
        let aloneOut = root.appendingPathComponent("m-alone")
        _ = try run("vimo-moclip", ["embed", "--flow", damaged.path, "--weights", lone.appendingPathComponent("student.safetensors").path,
                                    "--out", aloneOut.path, "--quiet"], status: 1)
        let (withJSON, alone) = (try ShardIndex.build(directory: motion), try ShardIndex.build(directory: aloneOut))
        XCTAssertEqual(alone.items, ["V0", "V2"])
        for item in alone.items {
            let (a, b) = (try XCTUnwrap(withJSON[item]), try XCTUnwrap(alone[item]))
            XCTAssertEqual(try ShardReader(url: a.shard).readEmbeddings(rows: a.rows), try ShardReader(url: b.shard).readEmbeddings(rows: b.rows), item)
        }
        let checkpoint = try CheckpointReader.readSafetensors(weights)
        XCTAssertNotNil(checkpoint.metadata[CheckpointPair.infoKey])
        try SafetensorsWriter.write(Array(checkpoint.tensors.values), metadata: checkpoint.metadata.filter { $0.key != CheckpointPair.infoKey },
                                    to: old.appendingPathComponent("student.safetensors"))
        let noJSON = try run("vimo-moclip", ["embed", "--flow", flow.path, "--weights", old.appendingPathComponent("student.safetensors").path,
                                             "--out", root.appendingPathComponent("m2").path], status: 2)
        XCTAssertTrue(noJSON.contains("has no student.json beside it"), noJSON)
        let missing = root.appendingPathComponent("nowhere/student.safetensors")
        let noWeights = try run("vimo-moclip", ["embed", "--flow", flow.path, "--weights", missing.path,
                                                "--out", root.appendingPathComponent("m3").path], status: 2)
        XCTAssertTrue(noWeights.contains("\(missing.path): no such checkpoint"), noWeights)
    }

    func testATeacherHoldingNaNIsRejectedBeforeTraining() throws {
        let root = try TestSupport.temporaryFolder("finite-teacher")
        let flow = root.appendingPathComponent("flow"), clip = root.appendingPathComponent("clip")
        try writeFlowAndClip(flow: flow, clip: clip, count: 4)
        var weights = try CLIPVision(.tiny).stateDict()
        weights["class_embedding"] = try Tensor.full([64], .nan)
        let file = root.appendingPathComponent("teacher.safetensors")
        try Torch.saveSafetensors(weights, to: file)
        let out = root.appendingPathComponent("student")
        let log = try run("vimo-moclip", ["train", "--flow", flow.path, "--clip", clip.path, "--model", "tiny", "--teacher", file.path,
                                          "--segment", "4", "--batch", "2", "--epochs", "1", "--min-validation", "1",
                                          "--out", out.path], status: 2)
        XCTAssertTrue(log.contains("\(file.path): tensor class_embedding holds 64 NaN value(s)"), log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("last.safetensors").path))
    }
}
