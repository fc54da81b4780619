import ArgumentParser
import Core
import Foundation

/// The options every trainer takes alike: the seed, the validation split it selects its checkpoint on,
/// and `--stop-after` for time-limited jobs. (Epochs, batch size and learning rate stay with each
/// trainer: their defaults and meaning differ, videos per batch or segments per step, AdamW or Adam.)
public struct TrainingOptions: ParsableArguments {
    @Option(name: .long, help: "Random seed (weights, dropout, shuffling, validation split).")
    public var seed: UInt64 = 49

    @Option(name: .long, help: "Fraction of the training videos held out for validation.")
    public var validationFraction: Double = 0.1

    @Option(name: .long, help: "Validation videos held out at the least, whatever the fraction (fewer training videos than twice this is an error).")
    public var minValidation: Int = ValidationSplit.defaultMinimum

    @Option(name: .long, help: "Stop after this epoch (a time-limited job); running again continues from there.")
    public var stopAfter: Int?

    public init() {}

    public func validate() throws {
        guard validationFraction > 0, validationFraction < 1 else { throw ValidationError("--validation-fraction must lie in (0, 1)") }
        guard minValidation >= 1 else { throw ValidationError("--min-validation must be at least 1") }
    }

    /// The validation videos of `items` (`source` names where they come from, for the error).
    public func split(_ items: [String], source: String) throws -> ValidationSplit {
        try ValidationSplit(items: items, fraction: validationFraction, minimum: minValidation, seed: seed, source: source)
    }

    /// How the split is described among a checkpoint's settings (`0.1, at least 10`): a run resumes
    /// only under the same one.
    public var validationSetting: String { "\(validationFraction), at least \(minValidation)" }

    /// The loop's plan with these options.
    public func plan(epochs: Int, batch: Int, learningRate: LearningRatePlan = .constant, accumulation: Int = 1) -> TrainingPlan {
        TrainingPlan(epochs: epochs, batch: batch, seed: seed, stopAfter: stopAfter, learningRate: learningRate,
                     accumulation: accumulation)
    }
}
