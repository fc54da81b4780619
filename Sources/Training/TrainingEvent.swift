import Foundation
import StageCLI

/// What the epoch loop reports as it goes, for the executable to show (the loop never prints).
public enum TrainingEvent<Record: TrainingRecord> {
    /// `last.*` matched this run's settings: training continues after `record.epoch` of `epochs`.
    case resumed(Record, epochs: Int)
    /// `last.*` is there but unusable (the sentence says why): training starts over.
    case startingOver(reason: String)
    /// A step is done.
    case step(StepReport)
    /// An epoch is done, validated and checkpointed.
    case epoch(EpochReport<Record>)

    /// The terminal's message for the event: the trainer's own line for an epoch (`epochLine`), the
    /// shared wording for the rest (`<program>: resuming after epoch 2 of 4`).
    public func message(program: String, epochLine: (EpochReport<Record>) -> String) -> TerminalMessage {
        switch self {
        case .resumed(let record, let epochs):
            return .line("\(program): resuming after epoch \(record.epoch) of \(epochs)")
        case .startingOver(let reason):
            return .warning("not resuming: \(reason); training starts over")
        case .step(let report):
            return .progress(report.line)
        case .epoch(let report):
            return .line(epochLine(report))
        }
    }
}

/// One optimiser step, as the progress line shows it.
public struct StepReport: Sendable, Equatable {
    /// 1-based epoch and the run's epochs.
    public var epoch: Int, epochs: Int
    /// 1-based step and the epoch's steps.
    public var step: Int, steps: Int
    /// The step's loss.
    public var loss: Double
    /// Examples in the step.
    public var samples: Int
    /// `step 3/5 of epoch 1/4  loss 0.6931  …` (`EpochProgress`).
    public var line: String

    /// A report of step `step` of `steps` in epoch `epoch` of `epochs`.
    public init(epoch: Int, epochs: Int, step: Int, steps: Int, loss: Double, samples: Int, line: String) {
        (self.epoch, self.epochs, self.step, self.steps) = (epoch, epochs, step, steps)
        (self.loss, self.samples, self.line) = (loss, samples, line)
    }
}

/// One finished epoch.
public struct EpochReport<Record: TrainingRecord> {
    /// The 1-based epoch just done, and the run's epochs.
    public var epoch: Int, epochs: Int
    /// The mean training loss per example over the epoch.
    public var trainLoss: Double
    /// The epoch's validation.
    public var validation: Record.Validation
    /// Whether it became the best checkpoint.
    public var improved: Bool
    /// The description written with `last.*`.
    public var record: Record

    /// A report of epoch `epoch` of `epochs`.
    public init(epoch: Int, epochs: Int, trainLoss: Double, validation: Record.Validation, improved: Bool, record: Record) {
        (self.epoch, self.epochs, self.trainLoss) = (epoch, epochs, trainLoss)
        (self.validation, self.improved, self.record) = (validation, improved, record)
    }
}
