import CTorch
import Foundation

/// An optimiser over a fixed list of parameters: libtorch's own implementation.
public final class Optimizer {
    private let handle: vt_optimizer
    /// The parameters it updates.
    public let parameters: [Tensor]
    /// Current learning rate (the base rate: group g runs at `learningRate × groupScales[g]`).
    public private(set) var learningRate: Double
    /// Each parameter group's multiple of the base rate (one group of 1 unless built from groups).
    public let groupScales: [Double]

    private init(handle: vt_optimizer?, parameters: [Tensor], learningRate: Double, name: String,
                 groupScales: [Double] = [1]) throws {
        guard let handle else { throw TorchError.libtorch(operation: name, message: String(cString: vt_last_error())) }
        self.handle = handle
        self.parameters = parameters
        self.learningRate = learningRate
        self.groupScales = groupScales
    }

    /// Parameters that share a learning-rate multiple and a weight decay.
    public struct Group {
        public var parameters: [Tensor]
        /// The group's rate as a multiple of the base rate.
        public var lrScale: Double
        /// Decoupled weight decay.
        public var weightDecay: Double
        public init(parameters: [Tensor], lrScale: Double = 1, weightDecay: Double) {
            self.parameters = parameters
            self.lrScale = lrScale
            self.weightDecay = weightDecay
        }
    }

    /// AdamW over parameter groups (libtorch's, one param group each): group g steps at `lr × lrScale` with its
    /// own weight decay; `setLearningRate` keeps the multiples.
    public static func adamW(groups: [Group], lr: Double, betas: (Double, Double) = (0.9, 0.999),
                             eps: Double = 1e-8) throws -> Optimizer {
        guard !groups.isEmpty else { throw TorchError.invalidArgument("AdamW: no parameter groups") }
        let parameters = groups.flatMap(\.parameters)
        let handles: [vt_tensor?] = parameters.map(\.handle)
        let membership = groups.enumerated().flatMap { g, group in [Int32](repeating: Int32(g), count: group.parameters.count) }
        let rates = groups.map { lr * $0.lrScale }, decays = groups.map(\.weightDecay)
        return try Optimizer(handle: vt_adamw_groups_new(handles, membership, Int32(handles.count), Int32(groups.count), rates, decays,
                                                         betas.0, betas.1, eps),
                             parameters: parameters, learningRate: lr, name: "AdamW", groupScales: groups.map(\.lrScale))
    }

    deinit { vt_optimizer_free(handle) }

    /// Stochastic gradient descent.
    public static func sgd(_ parameters: [Tensor], lr: Double, momentum: Double = 0, weightDecay: Double = 0,
                           nesterov: Bool = false) throws -> Optimizer {
        let handles: [vt_tensor?] = parameters.map(\.handle)
        return try Optimizer(handle: vt_sgd_new(handles, Int32(handles.count), lr, momentum, weightDecay, nesterov ? 1 : 0),
                             parameters: parameters, learningRate: lr, name: "SGD")
    }

    /// Adam (L2 weight decay added to the gradient).
    public static func adam(_ parameters: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            eps: Double = 1e-8, weightDecay: Double = 0) throws -> Optimizer {
        let handles: [vt_tensor?] = parameters.map(\.handle)
        return try Optimizer(handle: vt_adam_new(handles, Int32(handles.count), lr, betas.0, betas.1, eps, weightDecay, 0),
                             parameters: parameters, learningRate: lr, name: "Adam")
    }

    /// AdamW (decoupled weight decay).
    public static func adamW(_ parameters: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                             eps: Double = 1e-8, weightDecay: Double = 1e-2) throws -> Optimizer {
        let handles: [vt_tensor?] = parameters.map(\.handle)
        return try Optimizer(handle: vt_adam_new(handles, Int32(handles.count), lr, betas.0, betas.1, eps, weightDecay, 1),
                             parameters: parameters, learningRate: lr, name: "AdamW")
    }

    /// One update from the current gradients.
    public func step() throws { try checkStatus(vt_optimizer_step(handle), "optimizer step") }
    /// Clears the gradients of every parameter.
    public func zeroGrad() throws { try checkStatus(vt_optimizer_zero_grad(handle), "optimizer zero_grad") }
    /// Saves the optimiser's state (moments, step counts) for exact resumption.
    public func save(to url: URL) throws {
        try checkStatus(vt_optimizer_save(handle, url.path), "save optimizer state to \(url.path)")
    }
    /// Restores state saved by `save(to:)` for the same parameters.
    public func load(from url: URL) throws {
        try checkStatus(vt_optimizer_load(handle, url.path), "load optimizer state from \(url.path)")
    }

    /// Sets the base learning rate: every parameter group runs at `lr` times its multiple.
    public func setLearningRate(_ lr: Double) throws {
        if groupScales == [1] {
            try checkStatus(vt_optimizer_set_lr(handle, lr), "set learning rate")
        } else {
            for (g, scale) in groupScales.enumerated() {
                try checkStatus(vt_optimizer_set_group_lr(handle, Int32(g), lr * scale), "set learning rate of group \(g)")
            }
        }
        learningRate = lr
    }
}

/// Learning-rate schedules as pure functions of the step, so a resumed run continues exactly.
public struct LearningRateSchedule: Sendable, Equatable {
    public var base: Double
    public var totalSteps: Int
    public var warmupSteps: Int
    /// Cosine decay from `base` to `floor` after warm-up; nil keeps `base` (constant after warm-up).
    public var cosineFloor: Double?

    public init(base: Double, totalSteps: Int, warmupSteps: Int = 0, cosineFloor: Double? = nil) {
        self.base = base
        self.totalSteps = totalSteps
        self.warmupSteps = warmupSteps
        self.cosineFloor = cosineFloor
    }

    /// The rate for 0-based `step`: linear warm-up from base/warmup to base, then
    /// floor + (base − floor)·(1 + cos(π·t))/2 with t the fraction of the remaining steps done.
    public func rate(at step: Int) -> Double {
        if step < warmupSteps { return base * Double(step + 1) / Double(warmupSteps) }
        guard let floor = cosineFloor else { return base }
        let span = Swift.max(1, totalSteps - warmupSteps)
        let t = Swift.min(1, Double(step - warmupSteps) / Double(span))
        return floor + (base - floor) * (1 + Foundation.cos(Double.pi * t)) / 2
    }
}
