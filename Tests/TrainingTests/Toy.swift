import Foundation
import Torch
import Training
import XCTest

/// A model small enough to train in milliseconds that still exercises what exact resumption needs:
/// dropout (libtorch's generator), a shuffle that matters (Adam's moments depend on the order) and
/// optimiser state.
final class ToyModel: Module {
    let hidden: Linear
    let dropout = Dropout(0.3)
    let output: Linear

    init(seed: UInt64) throws {
        Torch.seed(seed)
        hidden = try Linear(3, 8)
        output = try Linear(8, 1)
        super.init()
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor { try output(dropout(hidden(x).relu())) }
}

/// The toy task: y = 2·sin(i) − cos(2i) + i/20 from three features of the example's number i.
enum ToyTask {
    static func features(_ examples: [Int]) throws -> (Tensor, Tensor) {
        let x = examples.flatMap { i in [Float(Foundation.sin(Double(i))), Float(Foundation.cos(2 * Double(i))), Float(i) / 20] }
        let y = examples.map { i in Float(2 * Foundation.sin(Double(i)) - Foundation.cos(2 * Double(i)) + Double(i) / 20) }
        return (try Tensor(x, shape: [examples.count, 3]), try Tensor(y, shape: [examples.count, 1]))
    }

    /// The mean squared error of `model` on `examples`.
    static func loss(_ model: ToyModel, _ examples: [Int]) throws -> Tensor {
        let (x, y) = try features(examples)
        return try F.mseLoss(model(x), y)
    }
}

/// The toy trainer's checkpoint description.
struct ToyRecord: TrainingRecord, Equatable {
    var epoch = 0
    var bestEpoch: Int? = nil
    var bestValidationLoss: Double? = nil
    var bestValidationScore: Double? = nil
    var validationLoss: Double? = nil
    var validationScore: Double? = nil
    var settings = "toy"

    mutating func record(_ validation: ToyValidation) {
        validationLoss = validation.loss
        validationScore = validation.score
    }
}

/// A validation pass of the toy: a loss and, for score-based selection, a score.
struct ToyValidation: ValidationOutcome {
    var loss: Double
    var score: Double?
}

/// One toy training run in a folder, recording what the loop did.
final class ToyRun {
    let folder: URL
    let model: ToyModel
    let optimizer: Optimizer
    let examples = Array(0..<10)
    let held = Array(10..<14)
    private(set) var events: [String] = []
    private(set) var batches: [[Int]] = []
    private(set) var steps: [StepReport] = []
    private(set) var epochs: [EpochReport<ToyRecord>] = []
    private(set) var rates: [Double] = []

    init(folder: URL, seed: UInt64 = 5) throws {
        self.folder = folder
        model = try ToyModel(seed: seed)
        optimizer = try Optimizer.adam(model.parameters(), lr: 0.05)
    }

    var checkpoints: TrainingCheckpoints { TrainingCheckpoints(folder: folder, metadata: ["format": "toy"]) }

    /// Runs `plan`; `validation` replaces the real validation (scripted scores), `poison` turns the loss
    /// of (0-based epoch, 1-based step) into NaN.
    @discardableResult
    func train(_ plan: TrainingPlan, selection: SelectionRule = .lowestLoss, checkpoints: TrainingCheckpoints? = nil,
               validation: ((Int, Double) -> ToyValidation)? = nil, poison: (epoch: Int, step: Int)? = nil) throws -> ToyRecord {
        var epoch = 0, step = 0
        let loop = EpochLoop<Int, ToyRecord>(plan: plan, checkpoints: checkpoints ?? self.checkpoints, selection: selection)
        return try loop.run(
            model: model, optimizer: optimizer, examples: examples, fresh: ToyRecord(),
            resumes: { $0.settings == "toy" },
            step: { batch in
                self.events.append("step")
                self.batches.append(batch)
                self.rates.append(self.optimizer.learningRate)
                step += 1
                let loss = try ToyTask.loss(self.model, batch)
                if let poison, poison.epoch == epoch, poison.step == step { return try loss * Double.nan }
                return loss
            },
            validate: {
                self.events.append("validate")
                XCTAssertFalse(self.model.training, "validation runs in evaluation mode")
                let loss = try ToyTask.loss(self.model, self.held).item()
                defer { epoch += 1; step = 0 }
                return validation?(epoch, loss) ?? ToyValidation(loss: loss, score: nil)
            },
            report: { event in
                switch event {
                case .resumed(let record, _): self.events.append("resumed \(record.epoch)"); epoch = record.epoch
                case .startingOver: self.events.append("starting over")
                case .step(let report): self.steps.append(report)
                case .epoch(let report): self.events.append("epoch \(report.epoch)"); self.epochs.append(report)
                }
            })
    }

    func bytes(_ file: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(file)) }
}
