import Core
import Foundation
import StageCLI
import TestSupport
import Torch
import Training
import XCTest

/// The shared training loop on a toy model: what it visits and in which order, exact resumption,
/// model selection, divergence, progress and the learning rate per step.
final class EpochLoopTests: XCTestCase {
    func folder(_ name: String) throws -> URL { try TestSupport.temporaryFolder("training-\(name)") }

    /// The tensor payloads of a libtorch archive (`<name>/data/<n>`), in byte order.
    func archivedTensors(_ url: URL) throws -> [Data] {
        let archive = try ZipArchive(data: Data(contentsOf: url), file: url.path)
        let tensors = try archive.entries.filter { $0.name.split(separator: "/").dropLast().last == "data" }
            .map { try archive.contents(of: $0) }.sorted { $0.lexicographicallyPrecedes($1) }
        XCTAssertFalse(tensors.isEmpty, "\(url.path) holds tensors")
        return tensors
    }

    func testEveryEpochVisitsEveryExampleOnceInItsSeededOrderThenValidates() throws {
        let run = try ToyRun(folder: try folder("order"))
        let plan = TrainingPlan(epochs: 3, batch: 4, seed: 11)
        let record = try run.train(plan)

        XCTAssertEqual(record.epoch, 3)
        XCTAssertEqual(run.events, ["step", "step", "step", "validate", "epoch 1", "step", "step", "step", "validate", "epoch 2",
                                    "step", "step", "step", "validate", "epoch 3"])
        XCTAssertEqual(run.batches.map(\.count), [4, 4, 2, 4, 4, 2, 4, 4, 2], "the last batch of an epoch takes what is left")
        let orders = (0..<3).map { epoch in Array(run.batches[(3 * epoch)..<(3 * epoch + 3)].joined()) }
        for (epoch, order) in orders.enumerated() {
            XCTAssertEqual(order.sorted(), run.examples, "epoch \(epoch + 1) visits every example once")
            XCTAssertEqual(order, plan.order(run.examples, epoch: epoch), "epoch \(epoch + 1) in the plan's order")
        }
        XCTAssertNotEqual(orders[0], orders[1], "each epoch has its own shuffle")
        XCTAssertNotEqual(orders[0], run.examples, "the examples are shuffled")
        XCTAssertEqual(TrainingPlan(epochs: 3, batch: 4, seed: 11).order(run.examples, epoch: 1), orders[1], "the order is a function of seed and epoch")
        XCTAssertNotEqual(TrainingPlan(epochs: 3, batch: 4, seed: 12).order(run.examples, epoch: 1), orders[1], "another seed, another order")
        XCTAssertEqual(run.epochs.map(\.record.epoch), [1, 2, 3])
        XCTAssertEqual(try JSONDecoder().decode(ToyRecord.self, from: run.bytes("last.json")).epoch, 3)
    }

    func testProgressReportsEachStepOfEachEpoch() throws {
        let run = try ToyRun(folder: try folder("progress"))
        try run.train(TrainingPlan(epochs: 2, batch: 3, seed: 1))
        XCTAssertEqual(run.steps.map { [$0.epoch, $0.epochs, $0.step, $0.steps, $0.samples] },
                       [[1, 2, 1, 4, 3], [1, 2, 2, 4, 3], [1, 2, 3, 4, 3], [1, 2, 4, 4, 1],
                        [2, 2, 1, 4, 3], [2, 2, 2, 4, 3], [2, 2, 3, 4, 3], [2, 2, 4, 4, 1]])
        let last = try XCTUnwrap(run.steps.last)
        XCTAssertTrue(last.line.hasPrefix("step 4/4 of epoch 2/2  loss "), last.line)
        XCTAssertTrue(last.line.hasSuffix("ETA done"), last.line)
        XCTAssertEqual(TrainingEvent<ToyRecord>.step(last).message(program: "toy") { _ in "" }, .progress(last.line))
        // The mean training loss per example, as the epoch line shows it.
        let epoch2 = run.steps.suffix(4)
        XCTAssertEqual(run.epochs[1].trainLoss, epoch2.reduce(0) { $0 + $1.loss * Double($1.samples) } / 10, accuracy: 1e-12)
    }

    func testStoppedAfterTwoEpochsAndRunAgainEndsWithTheBytesOfAnUninterruptedRun() throws {
        let plan = TrainingPlan(epochs: 4, batch: 3, seed: 21)
        let straight = try ToyRun(folder: try folder("straight"))
        try straight.train(plan)

        var stopped = plan
        stopped.stopAfter = 2
        let resumedFolder = try folder("resumed")
        let first = try ToyRun(folder: resumedFolder)
        XCTAssertEqual(try first.train(stopped).epoch, 2)
        XCTAssertEqual(first.events.filter { $0 == "validate" }.count, 2, "--stop-after 2 stops after epoch 2")
        // A new process: the model built again from the seed, the loop resumes from last.*.
        let second = try ToyRun(folder: resumedFolder)
        XCTAssertEqual(try second.train(plan).epoch, 4)
        XCTAssertEqual(second.events.first, "resumed 2")
        XCTAssertEqual(second.epochs.map(\.epoch), [3, 4])

        for file in ["last.safetensors", "best.safetensors", "best.json"] {
            XCTAssertEqual(try first.bytes(file), try straight.bytes(file), "\(file): resumed = uninterrupted")
        }
        // libtorch archives the optimiser's tensors in an order of its own (keyed by address), so
        // last.optim — and the digest of it in last.json — differ in bytes; the tensors themselves may not.
        XCTAssertEqual(try archivedTensors(first.folder.appendingPathComponent("last.optim")),
                       try archivedTensors(straight.folder.appendingPathComponent("last.optim")), "the same optimiser state")
        XCTAssertEqual(try JSONDecoder().decode(ToyRecord.self, from: first.bytes("last.json")),
                       try JSONDecoder().decode(ToyRecord.self, from: straight.bytes("last.json")))
        // Run again when done: nothing to do, nothing changes.
        let before = try straight.bytes("last.safetensors")
        let again = try ToyRun(folder: straight.folder)
        try again.train(plan)
        XCTAssertEqual(again.events, ["resumed 4"])
        XCTAssertEqual(try straight.bytes("last.safetensors"), before)
    }

    func testCheckpointsOfAnotherRunAreNotResumed() throws {
        let folder = try folder("other")
        try ToyRun(folder: folder).train(TrainingPlan(epochs: 1, batch: 5, seed: 1))
        let other = try ToyRun(folder: folder)
        let loop = EpochLoop<Int, ToyRecord>(plan: TrainingPlan(epochs: 1, batch: 5, seed: 1), checkpoints: other.checkpoints,
                                             selection: .lowestLoss)
        var events: [String] = []
        let record = try loop.run(model: other.model, optimizer: other.optimizer, examples: other.examples, fresh: ToyRecord(settings: "other"),
                                  resumes: { $0.settings == "other" }, step: { try ToyTask.loss(other.model, $0) },
                                  validate: { ToyValidation(loss: try ToyTask.loss(other.model, other.held).item()) },
                                  report: { if case .resumed = $0 { events.append("resumed") } })
        XCTAssertEqual(events, [], "settings differ: training starts over")
        XCTAssertEqual(record.settings, "other")
        XCTAssertEqual(record.epoch, 1)

        // A damaged last.json: said, then training starts over.
        try Data("{".utf8).write(to: folder.appendingPathComponent("last.json"))
        let damaged = try ToyRun(folder: folder)
        try damaged.train(TrainingPlan(epochs: 1, batch: 5, seed: 1))
        XCTAssertEqual(damaged.events.first, "starting over")
    }

    func testTheLowestValidationLossKeepsItsEpochsWeights() throws {
        let run = try ToyRun(folder: try folder("select-loss"))
        let losses = [0.5, 0.3, 0.4, 0.35]
        let loop = try run.train(TrainingPlan(epochs: 4, batch: 5, seed: 3), validation: { epoch, _ in ToyValidation(loss: losses[epoch]) })
        XCTAssertEqual(loop.bestEpoch, 2)
        XCTAssertEqual(loop.bestValidationLoss, 0.3)
        XCTAssertEqual(run.epochs.map(\.improved), [true, true, false, false])
        let best = try JSONDecoder().decode(ToyRecord.self, from: run.bytes("best.json"))
        XCTAssertEqual(best.epoch, 2, "best.json describes the epoch it holds")
        XCTAssertEqual(best.validationLoss, 0.3)
    }

    func testTheBestCheckpointHoldsTheWeightsOfTheChosenEpoch() throws {
        let folder = try folder("select-weights")
        let run = try ToyRun(folder: folder)
        var lastOf: [Int: Data] = [:]
        let losses = [0.5, 0.2, 0.4]
        let loop = EpochLoop<Int, ToyRecord>(plan: TrainingPlan(epochs: 3, batch: 5, seed: 3), checkpoints: run.checkpoints,
                                             selection: .lowestLoss)
        var epoch = 0
        _ = try loop.run(model: run.model, optimizer: run.optimizer, examples: run.examples, fresh: ToyRecord(), resumes: { _ in true },
                         step: { try ToyTask.loss(run.model, $0) },
                         validate: { defer { epoch += 1 }; return ToyValidation(loss: losses[epoch]) },
                         report: { event in
                             if case .epoch(let report) = event { lastOf[report.epoch] = try? run.bytes("last.safetensors") }
                         })
        XCTAssertEqual(try run.bytes("best.safetensors"), lastOf[2], "best.safetensors holds epoch 2's weights")
        XCTAssertNotEqual(lastOf[2], lastOf[3])
    }

    func testTheHighestScoreWinsAndATieGoesToTheLowerLoss() throws {
        let run = try ToyRun(folder: try folder("select-score"))
        let scripted = [(0.5, 0.2), (0.4, 0.6), (0.3, 0.6), (0.2, nil), (0.1, 0.5)] as [(Double, Double?)]
        let record = try run.train(TrainingPlan(epochs: 5, batch: 5, seed: 3), selection: .highestScore,
                                   validation: { epoch, _ in ToyValidation(loss: scripted[epoch].0, score: scripted[epoch].1) })
        XCTAssertEqual(record.bestEpoch, 3)
        XCTAssertEqual(record.bestValidationScore, 0.6)
        XCTAssertEqual(record.bestValidationLoss, 0.3)
        XCTAssertEqual(run.epochs.map(\.improved), [true, true, true, false, false])
    }

    func testSelectionRules() {
        XCTAssertTrue(SelectionRule.lowestLoss.improves(loss: 0.4, score: nil, bestLoss: nil, bestScore: nil))
        XCTAssertFalse(SelectionRule.lowestLoss.improves(loss: 0.4, score: 0.9, bestLoss: 0.4, bestScore: 0.1), "not strictly lower")
        XCTAssertFalse(SelectionRule.lowestLoss.improves(loss: .nan, score: nil, bestLoss: nil, bestScore: nil))
        XCTAssertTrue(SelectionRule.highestScore.improves(loss: 9, score: 0, bestLoss: nil, bestScore: nil), "any score beats none")
        XCTAssertFalse(SelectionRule.highestScore.improves(loss: 0.1, score: nil, bestLoss: 0.5, bestScore: 0.2))
        XCTAssertFalse(SelectionRule.highestScore.improves(loss: .infinity, score: 0.9, bestLoss: 0.5, bestScore: 0.2))
        XCTAssertFalse(SelectionRule.highestScore.improves(loss: 0.5, score: 0.2, bestLoss: 0.5, bestScore: 0.2), "a full tie keeps the earlier")
    }

    func testWithoutAChosenEpochTheBestCheckpointIsWrittenOnlyWhenAsked() throws {
        let unscored = { (_: Int, loss: Double) in ToyValidation(loss: loss, score: nil) }
        let plain = try ToyRun(folder: try folder("no-best"))
        try plain.train(TrainingPlan(epochs: 2, batch: 5, seed: 3), selection: .highestScore, validation: unscored)
        XCTAssertFalse(FileManager.default.fileExists(atPath: plain.folder.appendingPathComponent("best.safetensors").path))

        let asked = try ToyRun(folder: try folder("fallback-best"))
        let record = try asked.train(TrainingPlan(epochs: 2, batch: 5, seed: 3), selection: .highestScore,
                                     checkpoints: TrainingCheckpoints(folder: asked.folder, metadata: [:], writesBestWithoutChoice: true),
                                     validation: unscored)
        XCTAssertNil(record.bestEpoch)
        XCTAssertEqual(try asked.bytes("best.safetensors"), try asked.bytes("last.safetensors"), "the weights it ends with")
    }

    func testADivergingLossStopsWithItsEpochAndStepAndKeepsTheLastGoodCheckpoint() throws {
        let folder = try folder("diverge")
        let plan = TrainingPlan(epochs: 3, batch: 4, seed: 9)
        var stopped = plan
        stopped.stopAfter = 1
        try ToyRun(folder: folder).train(stopped)
        let kept = try ["last.safetensors", "last.optim", "last.json", "best.safetensors", "best.json"].map {
            try Data(contentsOf: folder.appendingPathComponent($0))
        }

        let run = try ToyRun(folder: folder)
        XCTAssertThrowsError(try run.train(plan, poison: (epoch: 1, step: 2))) { error in
            guard let diverged = error as? LossDiverged else { return XCTFail("\(error)") }
            XCTAssertTrue(diverged.value.isNaN)
            XCTAssertEqual(diverged.epoch, 2)
            XCTAssertEqual(diverged.step, 2)
            XCTAssertEqual(diverged.steps, 3)
            XCTAssertEqual(diverged.kept, "the checkpoints in \(folder.path) (last.* of epoch 1)")
        }
        XCTAssertEqual(run.events, ["resumed 1", "step", "step"], "stopped at the step, before validating")
        let after = try ["last.safetensors", "last.optim", "last.json", "best.safetensors", "best.json"].map {
            try Data(contentsOf: folder.appendingPathComponent($0))
        }
        XCTAssertEqual(after, kept, "nothing of the diverged epoch is written")

        // A validation loss that is not a number stops as well, naming validation; nothing had been saved.
        let fresh = try ToyRun(folder: try self.folder("diverge-validation"))
        XCTAssertThrowsError(try fresh.train(plan, validation: { _, _ in ToyValidation(loss: .infinity) })) { error in
            XCTAssertEqual(error as? LossDiverged, LossDiverged(value: .infinity, epoch: 1, step: nil, steps: 3, kept: nil))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: fresh.folder.appendingPathComponent("last.json").path))
    }

    func testTheLearningRateFollowsTheScheduleAcrossResumption() throws {
        let plan = TrainingPlan(epochs: 3, batch: 5, seed: 2, learningRate: .cosine(base: 0.1, floor: 0.001, warmupEpochs: 1))
        let schedule = LearningRateSchedule(base: 0.1, totalSteps: 6, warmupSteps: 2, cosineFloor: 0.001)
        let run = try ToyRun(folder: try folder("schedule"))
        var stopped = plan
        stopped.stopAfter = 1
        try run.train(stopped)
        let resumed = try ToyRun(folder: run.folder)
        try resumed.train(plan)
        XCTAssertEqual(run.rates + resumed.rates, (0..<6).map(schedule.rate(at:)), "one rate per step, global step counted on resume")

        let constant = try ToyRun(folder: try folder("constant"))
        try constant.train(TrainingPlan(epochs: 2, batch: 5, seed: 2))
        XCTAssertEqual(constant.rates, Array(repeating: 0.05, count: 4), "a constant plan leaves the optimiser's rate alone")
    }

    func testEventsBecomeTheTrainersTerminalLines() {
        let record = ToyRecord(epoch: 2)
        XCTAssertEqual(TrainingEvent<ToyRecord>.resumed(record, epochs: 4).message(program: "vimo-x") { _ in "" },
                       .line("vimo-x: resuming after epoch 2 of 4"))
        XCTAssertEqual(TrainingEvent<ToyRecord>.startingOver(reason: "last.json is damaged").message(program: "vimo-x") { _ in "" },
                       .warning("not resuming: last.json is damaged; training starts over"))
        let report = EpochReport<ToyRecord>(epoch: 2, epochs: 4, trainLoss: 0.5, validation: ToyValidation(loss: 0.25), improved: true,
                                            record: record)
        XCTAssertEqual(TrainingEvent<ToyRecord>.epoch(report).message(program: "vimo-x") { "epoch \($0.epoch) \($0.validation.loss)" },
                       .line("epoch 2 0.25"))
    }
}
