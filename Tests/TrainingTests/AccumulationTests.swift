import Foundation
import TestSupport
import Torch
import Training
import XCTest

/// Gradient accumulation in the shared loop: micro-batches of an optimiser step add their gradients, each loss
/// weighted by its share of the step's examples, so the step equals one over the whole batch.
final class AccumulationTests: XCTestCase {
    /// One epoch of SGD on a linear model (no dropout) with `plan`; the weights it ends with and what the loop saw.
    func train(_ plan: TrainingPlan, name: String) throws -> (weights: [Float], batches: [[Int]], contexts: [StepContext], steps: [StepReport]) {
        Torch.seed(3)
        let model = try Linear(3, 1)
        let optimizer = try Optimizer.sgd(model.parameters(), lr: 0.1)
        final class Seen { var batches: [[Int]] = []; var contexts: [StepContext] = []; var steps: [StepReport] = [] }
        let seen = Seen()
        let loop = EpochLoop<Int, ToyRecord>(plan: plan, checkpoints: TrainingCheckpoints(
            folder: try TestSupport.temporaryFolder("accumulate-\(name)"), metadata: ["format": "toy"]), selection: .lowestLoss)
        try loop.run(model: model, optimizer: optimizer, examples: Array(0..<10), fresh: ToyRecord(), resumes: { _ in false },
                     step: { context, batch in
                         seen.batches.append(batch)
                         seen.contexts.append(context)
                         let (x, y) = try ToyTask.features(batch)
                         return try F.mseLoss(model(x), y)
                     },
                     validate: { ToyValidation(loss: 1, score: nil) },
                     report: { if case .step(let step) = $0 { seen.steps.append(step) } })
        return (try model.weight.toArray(Float.self) + (try model.bias!.toArray(Float.self)), seen.batches, seen.contexts, seen.steps)
    }

    func testAccumulatedMicroBatchesStepLikeTheWholeBatch() throws {
        let whole = try train(TrainingPlan(epochs: 1, batch: 4, seed: 8), name: "whole")
        let micro = try train(TrainingPlan(epochs: 1, batch: 2, seed: 8, accumulation: 2), name: "micro")
        XCTAssertEqual(whole.batches.map(\.count), [4, 4, 2])
        XCTAssertEqual(micro.batches.map(\.count), [2, 2, 2, 2, 2], "each forward pass takes plan.batch examples")
        XCTAssertEqual(Array(micro.batches.joined()), Array(whole.batches.joined()), "the same order")
        XCTAssertEqual(micro.contexts.map(\.step), [0, 0, 1, 1, 2], "two micro-batches per optimiser step")
        XCTAssertEqual(micro.steps.map(\.samples), [4, 4, 2])
        XCTAssertEqual(micro.steps.map(\.steps), [3, 3, 3])
        for (a, b) in zip(whole.weights, micro.weights) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        for (a, b) in zip(whole.steps.map(\.loss), micro.steps.map(\.loss)) { XCTAssertEqual(a, b, accuracy: 1e-6, "the step's loss is the batch mean") }
        // Without the weighting the last two micro-batches would count double: the comparison above can fail.
        let unweighted = try train(TrainingPlan(epochs: 1, batch: 2, seed: 8), name: "unweighted")
        XCTAssertNotEqual(unweighted.weights, whole.weights)
    }
}
