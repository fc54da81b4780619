import Foundation
import TestSupport
@testable import Torch
import XCTest

/// A trainer's checkpoint (`.safetensors` + `.json` + `.optim`) replaced as one unit: a reader finds the
/// old checkpoint or the new one, and a `.safetensors` its `.json` does not name is never taken for it.
final class CheckpointPairTests: XCTestCase {
    struct Info: Codable, Equatable {
        var epoch: Int
        var validationLoss: Double?
    }

    /// A model, its optimiser after one step, and a fresh checkpoint folder.
    func fixture() throws -> (Linear, Optimizer, URL) {
        Torch.seed(3)
        let model = try Linear(4, 2)
        let optimizer = try Optimizer.adam(model.parameters(), lr: 0.1)
        try model(Tensor.randn([3, 4])).sum().backward()
        try optimizer.step()
        return (model, optimizer, try TestSupport.temporaryFolder("checkpoint-pair"))
    }

    func testAPairRoundTripsAndItsJSONNamesItsFiles() throws {
        let (model, optimizer, folder) = try fixture()
        let pair = CheckpointPair(folder: folder, name: "last")
        try pair.write(weights: model.stateDict(), info: Info(epoch: 2, validationLoss: .nan), optimizer: optimizer)
        let info = try pair.read(Info.self)
        XCTAssertEqual(info.epoch, 2)
        XCTAssertTrue(info.validationLoss?.isNaN ?? false, "a NaN score is written, not an encoding failure")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: pair.sidecarURL)) as! [String: Any]
        XCTAssertEqual(json["epoch"] as? Int, 2, "the trainer's fields stay at the top level")
        XCTAssertEqual(json["validationLoss"] as? String, "NaN")
        let files = try XCTUnwrap(json["files"] as? [String: [String: Any]])
        XCTAssertEqual(Set(files.keys), ["last.safetensors", "last.optim"])
        XCTAssertEqual(files["last.safetensors"]?["bytes"] as? Int,
                       try FileManager.default.attributesOfItem(atPath: pair.weightsURL.path)[.size] as? Int)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(),
                       ["last.json", "last.optim", "last.safetensors"], "no temporaries left")
        guard case .found(let resumed) = pair.resumePoint(Info.self) else { return XCTFail("a complete pair resumes") }
        XCTAssertEqual(resumed.epoch, 2)
    }

    func testASafetensorsWithoutItsJSONIsNotACheckpoint() throws {
        let (model, _, folder) = try fixture()
        let pair = CheckpointPair(folder: folder, name: "best")
        try pair.write(weights: model.stateDict(), info: Info(epoch: 1))
        try FileManager.default.removeItem(at: pair.sidecarURL)
        XCTAssertThrowsError(try pair.read(Info.self)) { error in
            XCTAssertEqual(error as? CheckpointPairError, .missingSidecar(weights: pair.weightsURL.path, sidecar: pair.sidecarURL.path))
            XCTAssertTrue(error.localizedDescription.hasPrefix("\(pair.weightsURL.path) has no best.json beside it"))
        }
        guard case .unusable = pair.resumePoint(Info.self) else { return XCTFail("not resumable without its JSON") }
        // For using it (not resuming), the weights carry their description.
        XCTAssertEqual(try pair.loadInfo(Info.self).epoch, 1)
        // Weights that carry none (written before vimo embedded it) are named as before.
        let checkpoint = try CheckpointReader.readSafetensors(pair.weightsURL)
        try SafetensorsWriter.write(Array(checkpoint.tensors.values), metadata: [:], to: pair.weightsURL)
        XCTAssertThrowsError(try pair.loadInfo(Info.self)) { error in
            XCTAssertEqual(error as? CheckpointPairError, .missingSidecar(weights: pair.weightsURL.path, sidecar: pair.sidecarURL.path))
        }
    }

    func testAMissingCheckpointIsReportedAsItsWeightsFile() throws {
        let folder = try TestSupport.temporaryFolder("checkpoint-missing")
        let pair = CheckpointPair(weights: folder.appendingPathComponent("best.safetensors"))
        XCTAssertEqual(pair.name, "best")
        XCTAssertThrowsError(try pair.read(Info.self)) { error in
            XCTAssertEqual(error as? CheckpointPairError, .missingWeights(pair.weightsURL.path))
            XCTAssertFalse(error.localizedDescription.contains("best.json"), error.localizedDescription)
        }
        guard case .none = pair.resumePoint(Info.self) else { return XCTFail("nothing to resume from") }
    }

    func testTheJSONOfAnotherWriteDoesNotAdoptTheWeights() throws {
        let (model, optimizer, folder) = try fixture()
        let pair = CheckpointPair(folder: folder, name: "last")
        try pair.write(weights: model.stateDict(), info: Info(epoch: 1), optimizer: optimizer)
        let first = try Data(contentsOf: pair.sidecarURL)
        try model.weight.assign(model.weight * 2)
        try pair.write(weights: model.stateDict(), info: Info(epoch: 2), optimizer: optimizer)
        try first.write(to: pair.sidecarURL)
        XCTAssertThrowsError(try pair.read(Info.self)) { error in
            guard case .unmatched(let file, let sidecar, _)? = error as? CheckpointPairError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, pair.weightsURL.path)
            XCTAssertEqual(sidecar, pair.sidecarURL.path)
        }
        guard case .unusable = pair.resumePoint(Info.self) else { return XCTFail("a mixed pair is not resumed") }
    }

    func testACrashBeforeItsJSONIsWrittenLeavesTheOldCheckpoint() throws {
        let (model, optimizer, folder) = try fixture()
        let pair = CheckpointPair(folder: folder, name: "last")
        try pair.write(weights: model.stateDict(), info: Info(epoch: 1), optimizer: optimizer)
        let oldWeights = try Data(contentsOf: pair.weightsURL)
        try model.weight.assign(model.weight * 2)
        struct Crash: Error {}
        XCTAssertThrowsError(try pair.write(weights: model.stateDict(), metadata: [:], info: Info(epoch: 2), optimizer: optimizer,
                                            interrupt: { if $0 == .membersWritten { throw Crash() } }))
        XCTAssertEqual(try pair.read(Info.self).epoch, 1, "readers see the old checkpoint, whole")
        guard case .found(let info) = pair.resumePoint(Info.self) else { return XCTFail("the old checkpoint resumes") }
        XCTAssertEqual(info.epoch, 1)
        XCTAssertEqual(try Data(contentsOf: pair.weightsURL), oldWeights)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(),
                       ["last.json", "last.optim", "last.safetensors"], "the unfinished write's files are gone")
    }

    func testACrashBetweenTheRenamesIsCompletedAtResume() throws {
        for step in [CheckpointPair.WriteStep.pendingWritten, .weightsRenamed, .optimizerRenamed] {
            let (model, optimizer, folder) = try fixture()
            let pair = CheckpointPair(folder: folder, name: "last")
            try pair.write(weights: model.stateDict(), info: Info(epoch: 1), optimizer: optimizer)
            try model.weight.assign(model.weight * 2)
            let newWeights = try model.weight.toArray(Float.self)
            struct Crash: Error {}
            XCTAssertThrowsError(try pair.write(weights: model.stateDict(), metadata: [:], info: Info(epoch: 2), optimizer: optimizer,
                                                interrupt: { if $0 == step { throw Crash() } }))
            if step != .pendingWritten {
                XCTAssertThrowsError(try pair.read(Info.self), "\(step): the new weights beside the old JSON are no pair")
            }
            guard case .found(let info) = pair.resumePoint(Info.self) else { return XCTFail("\(step): the write is completed") }
            XCTAssertEqual(info.epoch, 2, "\(step)")
            XCTAssertEqual(try Torch.loadWeights(pair.weightsURL)["weight"]?.toArray(Float.self), newWeights, "\(step)")
            XCTAssertEqual(try pair.read(Info.self).epoch, 2, "\(step)")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(),
                           ["last.json", "last.optim", "last.safetensors"], "\(step)")
        }
    }

    func testWeightsHoldingNaNAreNeverWritten() throws {
        let (model, _, folder) = try fixture()
        try model.bias!.assign(Tensor.full([2], .nan))
        let pair = CheckpointPair(folder: folder, name: "last")
        XCTAssertThrowsError(try pair.write(weights: model.stateDict(), info: Info(epoch: 1))) { error in
            guard case .nonFinite(_, "bias", 2, 0, 0)? = error as? CheckpointError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }
}
