import Core
import Foundation

/// Progress within a training epoch, in the field's conventions: step/total, running loss,
/// samples/s and the epoch's ETA (`step 37/120 of epoch 2/10  loss 0.4321  85.3 samples/s  ETA 1m05s`;
/// the line that closes an epoch starts with `epoch`, these never do).
/// The training loop (`EpochLoop` in Training) builds the line of every step; the trainer hands it to
/// `Terminal.progress`, which rewrites it in place on a terminal and writes plain periodic lines to a log.
public struct EpochProgress {
    public let epoch: Int
    public let epochs: Int
    public let steps: Int
    private let start: Date
    private var samples = 0
    private var lossSum = 0.0
    private var lossCount = 0

    /// Progress for epoch `epoch` (1-based) of `epochs`, with `steps` steps.
    public init(epoch: Int, epochs: Int, steps: Int, start: Date = Date()) {
        self.epoch = epoch
        self.epochs = epochs
        self.steps = steps
        self.start = start
    }

    /// Records step `step` (1-based) with its loss and batch size; returns the line to show.
    public mutating func advance(step: Int, loss: Double, samples batch: Int, now: Date = Date()) -> String {
        samples += batch
        lossSum += loss * Double(batch)
        lossCount += batch
        let elapsed = max(now.timeIntervalSince(start), 1e-6)
        let eta = step >= steps ? "done" : ProgressLine.duration(elapsed / Double(step) * Double(steps - step))
        return String(format: "step %d/%d of epoch %d/%d  loss %.4f  %.1f samples/s  ETA %@", step, steps, epoch, epochs,
                      lossSum / Double(max(1, lossCount)), Double(samples) / elapsed, eta)
    }
}
