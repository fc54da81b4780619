import Foundation

/// Which epoch's weights are kept as the best checkpoint: chosen on validation only.
public enum SelectionRule: Sendable, Equatable {
    /// The lowest validation loss.
    case lowestLoss
    /// The highest validation score; a tie goes to the lower loss, so a plateau does not pin the first
    /// epoch of it. An epoch without a score never wins.
    case highestScore

    /// Whether an epoch with validation `loss` and `score` beats the best so far (`bestLoss`,
    /// `bestScore`; nil before any). A loss that is not finite never does.
    public func improves(loss: Double, score: Double?, bestLoss: Double?, bestScore: Double?) -> Bool {
        guard loss.isFinite else { return false }
        switch self {
        case .lowestLoss:
            return loss < (bestLoss ?? .infinity)
        case .highestScore:
            guard let score else { return false }
            let best = bestScore ?? -1
            return score > best || (score == best && loss < (bestLoss ?? .infinity))
        }
    }

    /// Whether `validation` beats the best recorded in `record`.
    public func improves<Record: TrainingRecord>(_ validation: Record.Validation, over record: Record) -> Bool {
        improves(loss: validation.loss, score: validation.score, bestLoss: record.bestValidationLoss,
                 bestScore: record.bestValidationScore)
    }
}
