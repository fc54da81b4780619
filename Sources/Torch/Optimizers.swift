import CTorch
import Foundation

/// An optimiser over a fixed list of parameters: libtorch's own implementation.
public final class Optimizer {
    private let handle: vt_optimizer
    /// The parameters it updates.
    public let parameters: [Tensor]
    /// Current learning rate.
    public private(set) var learningRate: Double

    private init(handle: vt_optimizer?, parameters: [Tensor], learningRate: Double, name: String) throws {
        guard let handle else { throw TorchError.libtorch(operation: name, message: String(cString: vt_last_error())) }
        self.handle = handle
        self.parameters = parameters
        self.learningRate = learningRate
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

    /// Sets the learning rate of every parameter group.
    public func setLearningRate(_ lr: Double) throws {
        try checkStatus(vt_optimizer_set_lr(handle, lr), "set learning rate")
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
