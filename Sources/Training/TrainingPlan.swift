import Core
import Foundation
import Torch

/// How a trainer walks its examples: epochs, batch size, seed, where this invocation stops, and the
/// learning rate per step. Every random choice the loop makes is a pure function of the seed and the
/// epoch, so a run resumed at any epoch boundary draws exactly what an uninterrupted one would.
public struct TrainingPlan: Sendable, Equatable {
    /// Epochs of the whole run.
    public var epochs: Int
    /// Examples per forward pass; an optimiser step takes `batch × accumulation` of them (the last step of an
    /// epoch takes what is left).
    public var batch: Int
    /// The run's seed: the shuffle of each epoch and libtorch's generator (dropout) derive from it.
    public var seed: UInt64
    /// The epoch after which this invocation stops (`--stop-after`, a time-limited job); nil: `epochs`.
    public var stopAfter: Int?
    /// The learning rate of each step.
    public var learningRate: LearningRatePlan
    /// Micro-batches of `batch` examples whose gradients add up before one optimiser step (1: none).
    public var accumulation: Int

    /// A plan of `epochs` epochs of `batch` examples, `accumulation` batches per optimiser step.
    public init(epochs: Int, batch: Int, seed: UInt64, stopAfter: Int? = nil, learningRate: LearningRatePlan = .constant,
                accumulation: Int = 1) {
        precondition(epochs >= 1 && batch >= 1 && accumulation >= 1,
                     "TrainingPlan: epochs \(epochs), batch \(batch) and accumulation \(accumulation) must be positive")
        self.epochs = epochs
        self.batch = batch
        self.accumulation = accumulation
        self.seed = seed
        self.stopAfter = stopAfter
        self.learningRate = learningRate
    }

    /// The number of epochs done when this invocation stops.
    public var stopEpoch: Int { min(epochs, stopAfter ?? .max) }

    /// Optimiser steps in an epoch over `examples` examples.
    public func steps(examples: Int) -> Int { (examples + batch * accumulation - 1) / (batch * accumulation) }

    /// The order of the examples in 0-based `epoch`: a SplitMix64 shuffle seeded with `seed + epoch`.
    public func order<Example>(_ examples: [Example], epoch: Int) -> [Example] {
        var generator = SplitMix64(seed: seed &+ UInt64(epoch))
        return examples.shuffled(using: &generator)
    }

    /// libtorch's seed for 0-based `epoch` (dropout masks): the same per epoch, resumed or not.
    public func torchSeed(epoch: Int) -> UInt64 { seed &+ UInt64(epoch) &* 7919 }

    /// The learning-rate schedule over a run of `examples` examples per epoch; nil for `.constant`.
    public func schedule(examples: Int) -> LearningRateSchedule? {
        switch learningRate {
        case .constant:
            return nil
        case .cosine(let base, let floor, let warmupEpochs):
            let steps = self.steps(examples: examples)
            return LearningRateSchedule(base: base, totalSteps: epochs * steps, warmupSteps: warmupEpochs * steps, cosineFloor: floor)
        }
    }
}

/// The learning rate of every step of a run.
public enum LearningRatePlan: Sendable, Equatable {
    /// The optimiser's own rate throughout; the loop never sets it.
    case constant
    /// Linear warm-up over `warmupEpochs` epochs to `base`, then cosine decay to `floor` at the last
    /// step (`LearningRateSchedule`), set before every step.
    case cosine(base: Double, floor: Double, warmupEpochs: Int = 0)
}
