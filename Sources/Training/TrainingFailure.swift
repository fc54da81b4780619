import Foundation
import Torch

/// How a trainer's command ends when training throws.
public enum TrainingFailure {
    /// The exit status for `error`: `LossDiverged.exitStatus` (4) for a loss that stopped being a
    /// number, 2 (unusable inputs: damaged rows or weights, missing files, an output folder that cannot
    /// be created) for everything else.
    public static func exitStatus(for error: Error) -> Int32 {
        error is LossDiverged ? LossDiverged.exitStatus : 2
    }
}
