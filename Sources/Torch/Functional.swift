import CTorch
import Foundation

/// Loss reductions.
public enum Reduction: Int32, Sendable { case none = 0, mean = 1, sum = 2 }

/// Neural-network functions (PyTorch's `torch.nn.functional`).
public enum F {
    public static func matmul(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try check(vt_matmul(a.handle, b.handle), "matmul of \(a.shape) and \(b.shape)")
    }
    /// x Wᵀ + b.
    public static func linear(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil) throws -> Tensor {
        try check(vt_linear(x.handle, weight.handle, bias?.handle), "linear of \(x.shape) with weight \(weight.shape)")
    }
    public static func conv2d(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                              padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1) throws -> Tensor {
        let s = [Int64(stride.0), Int64(stride.1)], p = [Int64(padding.0), Int64(padding.1)]
        let d = [Int64(dilation.0), Int64(dilation.1)]
        return try check(vt_conv2d(x.handle, weight.handle, bias?.handle, s, p, d, Int64(groups)),
                         "conv2d of \(x.shape) with weight \(weight.shape)")
    }
    public static func avgPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                                 ceilMode: Bool = false, countIncludePad: Bool = true) throws -> Tensor {
        let k = [Int64(kernel.0), Int64(kernel.1)], st = stride ?? kernel
        return try check(vt_avg_pool2d(x.handle, k, [Int64(st.0), Int64(st.1)], [Int64(padding.0), Int64(padding.1)],
                                       ceilMode ? 1 : 0, countIncludePad ? 1 : 0), "avg_pool2d")
    }
    public static func maxPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) throws -> Tensor {
        let st = stride ?? kernel
        return try check(vt_max_pool2d(x.handle, [Int64(kernel.0), Int64(kernel.1)], [Int64(st.0), Int64(st.1)],
                                       [Int64(padding.0), Int64(padding.1)]), "max_pool2d")
    }
    public static func softmax(_ x: Tensor, dim: Int) throws -> Tensor { try check(vt_softmax(x.handle, Int64(dim)), "softmax") }
    public static func logSoftmax(_ x: Tensor, dim: Int) throws -> Tensor { try check(vt_log_softmax(x.handle, Int64(dim)), "log_softmax") }
    public static func layerNorm(_ x: Tensor, normalizedShape: [Int], weight: Tensor?, bias: Tensor?, eps: Double = 1e-5) throws -> Tensor {
        let s = normalizedShape.map(Int64.init)
        return try check(vt_layer_norm(x.handle, s, Int32(s.count), weight?.handle, bias?.handle, eps), "layer_norm of \(x.shape)")
    }
    public static func groupNorm(_ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Double = 1e-5) throws -> Tensor {
        try check(vt_group_norm(x.handle, Int64(groups), weight?.handle, bias?.handle, eps), "group_norm of \(x.shape)")
    }
    /// Batch norm; in training mode it updates `runningMean`/`runningVar` in place.
    public static func batchNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, runningMean: Tensor?, runningVar: Tensor?,
                                 training: Bool, momentum: Double = 0.1, eps: Double = 1e-5) throws -> Tensor {
        try check(vt_batch_norm(x.handle, weight?.handle, bias?.handle, runningMean?.handle, runningVar?.handle,
                                training ? 1 : 0, momentum, eps), "batch_norm of \(x.shape)")
    }
    public static func instanceNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Double = 1e-5) throws -> Tensor {
        try check(vt_instance_norm(x.handle, weight?.handle, bias?.handle, eps), "instance_norm of \(x.shape)")
    }
    public static func dropout(_ x: Tensor, p: Double, training: Bool) throws -> Tensor {
        guard training, p > 0 else { return x }
        return try check(vt_dropout(x.handle, p, 1), "dropout")
    }
    public static func embedding(_ indices: Tensor, weight: Tensor) throws -> Tensor {
        try check(vt_embedding(weight.handle, indices.handle), "embedding")
    }
    /// softmax(q kᵀ · scale + mask) v over the last two dimensions. A bool mask keeps `true`
    /// positions; a float mask is added. `scale` defaults to 1/√d.
    public static func scaledDotProductAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, mask: Tensor? = nil,
                                                 dropout: Double = 0, causal: Bool = false, scale: Double? = nil) throws -> Tensor {
        let s = scale ?? 1 / Foundation.sqrt(Double(q.shape.last ?? 1))
        return try check(vt_attention(q.handle, k.handle, v.handle, mask?.handle, dropout, causal ? 1 : 0, s),
                         "attention of q \(q.shape), k \(k.shape), v \(v.shape)")
    }
    public enum SampleMode: Int32 { case bilinear = 0, nearest = 1 }
    public enum PaddingMode: Int32 { case zeros = 0, border = 1, reflection = 2 }
    public static func gridSample(_ x: Tensor, grid: Tensor, mode: SampleMode = .bilinear, padding: PaddingMode = .zeros,
                                  alignCorners: Bool = false) throws -> Tensor {
        try check(vt_grid_sample(x.handle, grid.handle, mode.rawValue, padding.rawValue, alignCorners ? 1 : 0), "grid_sample")
    }
    public static func interpolate(_ x: Tensor, size: (Int, Int), mode: SampleMode = .bilinear, alignCorners: Bool = false) throws -> Tensor {
        try check(vt_interpolate(x.handle, Int64(size.0), Int64(size.1), mode.rawValue, alignCorners ? 1 : 0), "interpolate")
    }
    /// im2col: (N, C, H, W) → (N, C·kh·kw, L).
    public static func unfold(_ x: Tensor, kernel: (Int, Int), dilation: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                              stride: (Int, Int) = (1, 1)) throws -> Tensor {
        try check(vt_unfold(x.handle, [Int64(kernel.0), Int64(kernel.1)], [Int64(dilation.0), Int64(dilation.1)],
                            [Int64(padding.0), Int64(padding.1)], [Int64(stride.0), Int64(stride.1)]), "unfold")
    }

    // Losses
    public static func binaryCrossEntropyWithLogits(_ logits: Tensor, _ target: Tensor, weight: Tensor? = nil,
                                                    posWeight: Tensor? = nil, reduction: Reduction = .mean) throws -> Tensor {
        try check(vt_bce_with_logits(logits.handle, target.handle, weight?.handle, posWeight?.handle, reduction.rawValue),
                  "binary_cross_entropy_with_logits of \(logits.shape) and \(target.shape)")
    }
    public static func mseLoss(_ x: Tensor, _ y: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try check(vt_mse(x.handle, y.handle, reduction.rawValue), "mse_loss")
    }
    public static func crossEntropy(_ logits: Tensor, _ target: Tensor, reduction: Reduction = .mean) throws -> Tensor {
        try check(vt_cross_entropy(logits.handle, target.handle, reduction.rawValue), "cross_entropy")
    }
    public static func cosineSimilarity(_ a: Tensor, _ b: Tensor, dim: Int = 1, eps: Double = 1e-8) throws -> Tensor {
        try check(vt_cosine_similarity(a.handle, b.handle, Int64(dim), eps), "cosine_similarity")
    }
}

// Autograd.
extension Tensor {
    /// Whether operations on this tensor are recorded for `backward()`.
    public var requiresGrad: Bool {
        get { vt_requires_grad(handle) == 1 }
        set { _ = vt_set_requires_grad(handle, newValue ? 1 : 0) }
    }
    /// Back-propagates from this (scalar) tensor, or with `gradient` for a non-scalar one.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) throws {
        try checkStatus(vt_backward(handle, gradient?.handle, retainGraph ? 1 : 0), "backward")
    }
    /// The accumulated gradient, if any.
    public var grad: Tensor? { vt_grad(handle).map { Tensor(handle: $0) } }
    /// Drops the accumulated gradient.
    public func zeroGrad() { _ = vt_zero_grad(handle) }
    /// The same values, cut off from the graph.
    public func detached() throws -> Tensor { try check(vt_detach(handle), "detach") }
    /// Overwrites this tensor's values in place (outside autograd); shapes must match or broadcast.
    public func assign(_ source: Tensor) throws {
        try checkStatus(vt_assign(handle, source.handle), "assign \(source.shape) into \(shape)")
    }
}

/// Scales gradients so their total 2-norm is at most `maxNorm`; returns the norm before clipping.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Double) throws -> Double {
    let handles: [vt_tensor?] = parameters.map(\.handle)
    let norm = vt_clip_grad_norm(handles, Int32(handles.count), maxNorm)
    if norm < 0 { throw TorchError.libtorch(operation: "clip_grad_norm", message: String(cString: vt_last_error())) }
    return norm
}
