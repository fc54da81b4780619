import Foundation
import Training

/// Which validation score picks the checkpoint kept as `best.*` (`--select`).
enum Selection: String, CaseIterable {
    /// The lowest validation loss (BCE): smooth even on a few dozen videos, where mAP moves in steps.
    case loss
    /// The highest validation mAP; a tie goes to the lower loss, so a plateau does not pin the first epoch.
    case map

    /// The training loop's rule for it.
    var rule: SelectionRule {
        switch self {
        case .loss: return .lowestLoss
        case .map: return .highestScore
        }
    }
}
