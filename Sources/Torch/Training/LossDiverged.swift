import Foundation

/// Training stopped because its loss is no longer a number (NaN or ±∞): a learning rate far too high,
/// or damaged inputs. Nothing from the diverged epoch is saved, so the checkpoints on disk are the last
/// good ones.
public struct LossDiverged: Error, LocalizedError, Equatable {
    /// The exit status the trainers use for it (2 is unusable inputs, 3 out of disk space, 64 invalid options).
    public static let exitStatus: Int32 = 4

    /// The loss value seen (NaN, +∞ or −∞).
    public var value: Double
    /// The 1-based epoch it was seen in.
    public var epoch: Int
    /// The 1-based step within the epoch; nil for the validation pass after the epoch's steps.
    public var step: Int?
    /// Steps per epoch.
    public var steps: Int
    /// What is still on disk, in words (`last.safetensors + last.json of epoch 2`), or nil if nothing was saved yet.
    public var kept: String?

    /// A divergence seen at `step` (nil: validation) of `epoch`.
    public init(value: Double, epoch: Int, step: Int?, steps: Int, kept: String?) {
        self.value = value
        self.epoch = epoch
        self.step = step
        self.steps = steps
        self.kept = kept
    }

    /// Throws when `loss` is not finite.
    public static func check(_ loss: Double, epoch: Int, step: Int?, steps: Int, kept: @autoclosure () -> String?) throws {
        guard !loss.isFinite else { return }
        throw LossDiverged(value: loss, epoch: epoch, step: step, steps: steps, kept: kept())
    }

    /// A sentence with the epoch, the step, what is kept and what to try.
    public var errorDescription: String? {
        let name = value.isNaN ? "NaN" : value > 0 ? "+infinity" : "-infinity"
        let place = step.map { "epoch \(epoch), step \($0) of \(steps)" } ?? "epoch \(epoch), in validation"
        let saved = kept.map { "\($0) are kept and still resume" } ?? "no checkpoint had been saved yet"
        return "the loss became \(name) at \(place); stopped without saving: \(saved). "
            + "Lower the learning rate (--lr), or look for damaged inputs (upstream rows, weights)"
    }
}
