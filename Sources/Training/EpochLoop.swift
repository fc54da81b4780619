import Core
import Foundation
import StageCLI
import Torch

/// The training loop every vimo trainer shares: resume from `last.*`, then per epoch a seeded shuffle
/// of the examples, steps over batches (the trainer's `step` closure gives the loss), a validation pass
/// (the trainer's `validate` closure), selection of the best epoch and the checkpoint pair, until the
/// plan's last epoch or `--stop-after`.
///
/// A run stopped after any epoch and started again ends with the same bytes as one that never stopped:
/// the resumed run loads the weights and optimiser state of `last.*`, and each epoch's shuffle, dropout
/// seed and learning rates depend on the seed and the epoch only. A loss that is not a number stops
/// training with `LossDiverged` before anything of its epoch is written.
public struct EpochLoop<Example, Record: TrainingRecord> {
    /// Epochs, batch, seed, stop, learning rates.
    public let plan: TrainingPlan
    /// Where `last.*` and the best checkpoint go.
    public let checkpoints: TrainingCheckpoints
    /// Which validation result keeps the best checkpoint.
    public let selection: SelectionRule

    /// A loop that follows `plan`, keeps `checkpoints` and selects by `selection`.
    public init(plan: TrainingPlan, checkpoints: TrainingCheckpoints, selection: SelectionRule) {
        self.plan = plan
        self.checkpoints = checkpoints
        self.selection = selection
    }

    /// Trains `model` with `optimizer` on `examples` and returns the description of the last epoch done.
    ///
    /// - Parameters:
    ///   - fresh: the description of a run that has done no epoch (its settings are what `resumes` compares).
    ///   - resumes: whether the description in `last.*` belongs to this run (same configuration and
    ///     settings); if not, training starts over from `model` as given.
    ///   - step: the loss of one batch (a scalar tensor to minimise), in training mode; the loop clears the
    ///     gradients before and steps the optimiser after.
    ///   - validate: the validation of the model after an epoch, in evaluation mode with gradients off.
    ///   - report: told of every resume, step and epoch.
    /// - Throws: `LossDiverged` (with the epoch, the step and what stays on disk) when a training or
    ///   validation loss is not finite; whatever the closures, the checkpoints or libtorch throw.
    public func run(model: Module, optimizer: Optimizer, examples: [Example], fresh: Record,
                    resumes: (Record) -> Bool,
                    step: ([Example]) throws -> Tensor,
                    validate: () throws -> Record.Validation,
                    report: (TrainingEvent<Record>) -> Void) throws -> Record {
        try run(model: model, optimizer: optimizer, examples: examples, fresh: fresh, resumes: resumes,
                step: { _, batch in try step(batch) }, validate: validate, report: report)
    }

    /// `run` for a trainer whose batches depend on where training is (an epoch's sampled frames, its
    /// augmentations): `step` gets the 0-based epoch and optimiser step with each (micro-)batch. With
    /// `plan.accumulation` above 1, one optimiser step runs `step` on up to that many micro-batches of
    /// `plan.batch` examples, backpropagating each loss weighted by its share of the step's examples.
    public func run(model: Module, optimizer: Optimizer, examples: [Example], fresh: Record,
                    resumes: (Record) -> Bool,
                    step: (StepContext, [Example]) throws -> Tensor,
                    validate: () throws -> Record.Validation,
                    report: (TrainingEvent<Record>) -> Void) throws -> Record {
        var record = fresh
        // What a divergence leaves on disk: the checkpoints written before it (by this run or an earlier one).
        var kept: String? = nil
        switch checkpoints.last.resumePoint(Record.self) {
        case .found(let previous):
            kept = checkpoints.kept(epoch: previous.epoch)
            if resumes(previous) {
                try model.load(contentsOf: checkpoints.last.weightsURL)
                try optimizer.load(from: checkpoints.last.optimizerURL)
                record = previous
                report(.resumed(previous, epochs: plan.epochs))
            }
        case .unusable(let reason):
            report(.startingOver(reason: reason))
        case .none:
            break
        }

        let steps = plan.steps(examples: examples.count)
        let schedule = plan.schedule(examples: examples.count)
        while record.epoch < plan.stopEpoch {
            let epoch = record.epoch
            Torch.seed(plan.torchSeed(epoch: epoch))
            let order = plan.order(examples, epoch: epoch)
            model.train()
            var total = 0.0
            var meter = EpochProgress(epoch: epoch + 1, epochs: plan.epochs, steps: steps)
            let stepSize = plan.batch * plan.accumulation
            for (index, start) in stride(from: 0, to: order.count, by: stepSize).enumerated() {
                let batch = Array(order[start..<min(start + stepSize, order.count)])
                if let schedule { try optimizer.setLearningRate(schedule.rate(at: epoch * steps + index)) }
                try optimizer.zeroGrad()
                // One optimiser step over `batch`: its micro-batches' gradients add up, each loss weighted by its
                // share of the examples, so the step follows the mean loss of the whole batch.
                var value = 0.0, weighted = 0.0
                for micro in stride(from: 0, to: batch.count, by: plan.batch) {
                    let part = Array(batch[micro..<min(micro + plan.batch, batch.count)])
                    let loss = try step(StepContext(epoch: epoch, step: index), part)
                    let partValue = try loss.item()
                    try LossDiverged.check(partValue, epoch: epoch + 1, step: index + 1, steps: steps, kept: kept)
                    if part.count == batch.count {
                        try loss.backward()
                    } else {
                        try (loss * (Double(part.count) / Double(batch.count))).backward()
                    }
                    weighted += partValue * Double(part.count)
                    value = part.count == batch.count ? partValue : weighted / Double(batch.count)
                }
                try optimizer.step()
                total += value * Double(batch.count)
                let line = meter.advance(step: index + 1, loss: value, samples: batch.count)
                report(.step(StepReport(epoch: epoch + 1, epochs: plan.epochs, step: index + 1, steps: steps, loss: value,
                                        samples: batch.count, line: line)))
            }
            model.eval()
            let validation = try Torch.withoutGrad { try validate() }
            try LossDiverged.check(validation.loss, epoch: epoch + 1, step: nil, steps: steps, kept: kept)
            record.epoch = epoch + 1
            record.record(validation)
            let improved = selection.improves(validation, over: record)
            if improved {
                record.bestValidationScore = validation.score
                record.bestValidationLoss = validation.loss
                record.bestEpoch = epoch + 1
                try checkpoints.best.write(weights: model.stateDict(), metadata: checkpoints.metadata, info: record)
            }
            try checkpoints.last.write(weights: model.stateDict(), metadata: checkpoints.metadata, info: record, optimizer: optimizer)
            kept = checkpoints.kept(epoch: record.epoch)
            report(.epoch(EpochReport(epoch: epoch + 1, epochs: plan.epochs, trainLoss: total / Double(max(1, examples.count)),
                                      validation: validation, improved: improved, record: record)))
        }
        if record.bestEpoch == nil, checkpoints.writesBestWithoutChoice {
            try checkpoints.best.write(weights: model.stateDict(), metadata: checkpoints.metadata, info: record)
        }
        return record
    }
}

/// Where the loop is when it asks for a batch's loss.
public struct StepContext: Sendable, Equatable {
    /// The 0-based epoch.
    public var epoch: Int
    /// The 0-based optimiser step within the epoch.
    public var step: Int
}
