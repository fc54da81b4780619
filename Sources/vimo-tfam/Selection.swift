import Foundation

/// Which validation score picks the checkpoint kept as `best.*`.
enum Selection: String, CaseIterable {
    /// The lowest validation loss (BCE): smooth even on a few dozen videos, where mAP moves in steps.
    case loss
    /// The highest validation mAP; a tie goes to the lower loss, so a plateau does not pin the first epoch.
    case map

    /// Whether an epoch with these validation scores is better than the best so far in `info`.
    func improves(map: Double?, loss: Double, over info: CheckpointInfo) -> Bool {
        guard loss.isFinite else { return false }
        switch self {
        case .loss:
            return loss < (info.bestValidationLoss ?? .infinity)
        case .map:
            guard let map else { return false }
            let best = info.bestValidationMAP ?? -1
            return map > best || (map == best && loss < (info.bestValidationLoss ?? .infinity))
        }
    }
}
