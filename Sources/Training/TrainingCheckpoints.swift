import Foundation
import Torch

/// The two checkpoints a trainer keeps in its output folder: `last.*` (weights, description and
/// optimiser state: where a run resumes) and the best epoch's (weights and description: what
/// prediction uses), named `best` or as the trainer's users expect (`student`).
public struct TrainingCheckpoints: Sendable {
    /// The output folder.
    public let folder: URL
    /// `last.safetensors`, `last.json`, `last.optim`.
    public let last: CheckpointPair
    /// The best epoch's checkpoint.
    public let best: CheckpointPair
    /// The safetensors metadata written with both (`format`).
    public let metadata: [String: String]
    /// Whether a run that chose no best epoch (none had a score, or none ran) still writes the best
    /// checkpoint, with the weights it ends with, so that prediction finds one.
    public let writesBestWithoutChoice: Bool

    /// Checkpoints `last` and `best` in `folder`.
    public init(folder: URL, best: String = "best", metadata: [String: String], writesBestWithoutChoice: Bool = false) {
        self.folder = folder
        self.last = CheckpointPair(folder: folder, name: "last")
        self.best = CheckpointPair(folder: folder, name: best)
        self.metadata = metadata
        self.writesBestWithoutChoice = writesBestWithoutChoice
    }

    /// What a divergence leaves on disk once `last.*` of `epoch` is written, in words.
    public func kept(epoch: Int) -> String { "the checkpoints in \(folder.path) (last.* of epoch \(epoch))" }
}
