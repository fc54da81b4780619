import Foundation

/// A module with a single-input forward pass.
public protocol UnaryLayer: Module {
    func callAsFunction(_ x: Tensor) throws -> Tensor
}

/// A trainable tensor: float32, recorded by autograd.
public func parameter(_ t: Tensor) -> Tensor {
    t.requiresGrad = true
    return t
}

/// PyTorch's default init for Linear/Conv weights and biases: U(−1/√fan_in, 1/√fan_in).
func uniformInit(_ shape: [Int], fanIn: Int) throws -> Tensor {
    let bound = 1 / Foundation.sqrt(Double(Swift.max(1, fanIn)))
    return try Tensor.rand(shape) * (2 * bound) - bound
}

/// y = x Wᵀ + b. Keys: `weight` (out, in), `bias` (out).
public final class Linear: Module, UnaryLayer {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) throws {
        weight = parameter(try uniformInit([outFeatures, inFeatures], fanIn: inFeatures))
        self.bias = bias ? parameter(try uniformInit([outFeatures], fanIn: inFeatures)) : nil
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try F.linear(x, weight, bias) }
}

/// 2-D convolution. Keys: `weight` (out, in/groups, kh, kw), `bias` (out).
public final class Conv2d: Module, UnaryLayer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let dilation: (Int, Int)
    public let groups: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true) throws {
        let fanIn = inChannels / groups * kernel.0 * kernel.1
        weight = parameter(try uniformInit([outChannels, inChannels / groups, kernel.0, kernel.1], fanIn: fanIn))
        self.bias = bias ? parameter(try uniformInit([outChannels], fanIn: fanIn)) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try F.conv2d(x, weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

/// Layer normalisation over the trailing `shape`. Keys: `weight`, `bias`.
public final class LayerNorm: Module, UnaryLayer {
    public let weight: Tensor?
    public let bias: Tensor?
    public let shape: [Int]
    public let eps: Double

    public init(_ shape: [Int], eps: Double = 1e-5, affine: Bool = true) throws {
        self.shape = shape
        self.eps = eps
        weight = affine ? parameter(try Tensor.ones(shape)) : nil
        bias = affine ? parameter(try Tensor.zeros(shape)) : nil
    }
    public convenience init(_ dim: Int, eps: Double = 1e-5) throws { try self.init([dim], eps: eps) }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        // Under autocast a matrix product hands over bf16 while the weights stay float32: normalise in the weights'
        // dtype (CUDA's autocast runs layer_norm in float32 too; libtorch 1.13's CPU autocast leaves it to fail).
        if let weight, weight.dtype != x.dtype, weight.dtype == .float32 {
            return try F.layerNorm(x.to(.float32), normalizedShape: shape, weight: weight, bias: bias, eps: eps)
        }
        return try F.layerNorm(x, normalizedShape: shape, weight: weight, bias: bias, eps: eps)
    }
}

/// Batch normalisation over channels of (N, C, H, W). Keys: `weight`, `bias`,
/// buffers `running_mean`, `running_var`, `num_batches_tracked` (as torchvision's RAFT has them).
public final class BatchNorm2d: Module, UnaryLayer {
    public let weight: Tensor
    public let bias: Tensor
    public let running_mean: Tensor
    public let running_var: Tensor
    public let num_batches_tracked: Tensor
    public let eps: Double
    public let momentum: Double

    public init(_ channels: Int, eps: Double = 1e-5, momentum: Double = 0.1) throws {
        weight = parameter(try Tensor.ones([channels]))
        bias = parameter(try Tensor.zeros([channels]))
        running_mean = try Tensor.zeros([channels])
        running_var = try Tensor.ones([channels])
        num_batches_tracked = try Tensor.zeros([], dtype: .int64)
        self.eps = eps
        self.momentum = momentum
    }

    public override var ownBuffers: [Tensor] { [running_mean, running_var, num_batches_tracked] }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        if training { try num_batches_tracked.assign(num_batches_tracked + 1) }
        return try F.batchNorm(x, weight: weight, bias: bias, runningMean: running_mean, runningVar: running_var,
                               training: training, momentum: momentum, eps: eps)
    }
}

/// Group normalisation. Keys: `weight`, `bias`.
public final class GroupNorm: Module, UnaryLayer {
    public let weight: Tensor
    public let bias: Tensor
    public let groups: Int
    public let eps: Double

    public init(groups: Int, channels: Int, eps: Double = 1e-5) throws {
        self.groups = groups
        self.eps = eps
        weight = parameter(try Tensor.ones([channels]))
        bias = parameter(try Tensor.zeros([channels]))
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try F.groupNorm(x, groups: groups, weight: weight, bias: bias, eps: eps)
    }
}

/// Instance normalisation without affine parameters or running statistics (PyTorch's default).
public final class InstanceNorm2d: Module, UnaryLayer {
    public let eps: Double
    public init(eps: Double = 1e-5) { self.eps = eps }
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try F.instanceNorm(x, weight: nil, bias: nil, eps: eps) }
}

/// A lookup table. Key: `weight` (count, dim).
public final class Embedding: Module, UnaryLayer {
    public let weight: Tensor
    public init(_ count: Int, _ dim: Int) throws { weight = parameter(try Tensor.randn([count, dim])) }
    public func callAsFunction(_ indices: Tensor) throws -> Tensor { try F.embedding(indices, weight: weight) }
}

/// Dropout (identity in evaluation mode).
public final class Dropout: Module, UnaryLayer {
    public let p: Double
    public init(_ p: Double) { self.p = p }
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try F.dropout(x, p: p, training: training) }
}

/// Layers applied in order; children are named 0, 1, … as in `nn.Sequential`.
public final class Sequential: Module, UnaryLayer {
    public let layers: [Module]
    public init(_ layers: [any UnaryLayer]) { self.layers = layers }
    public override var keyOverrides: [String: String] { ["layers": ""] }
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try layers.reduce(x) { try ($1 as! any UnaryLayer)($0) }
    }
}

/// Applies a function (activation) as a layer with no parameters.
public final class Lambda: Module, UnaryLayer {
    let body: (Tensor) throws -> Tensor
    public init(_ body: @escaping (Tensor) throws -> Tensor) { self.body = body }
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try body(x) }
}

/// Multi-head attention with PyTorch's packed layout: `in_proj_weight` (3E, E),
/// `in_proj_bias` (3E), `out_proj.weight`, `out_proj.bias`.
public final class MultiheadAttention: Module {
    public let in_proj_weight: Tensor
    public let in_proj_bias: Tensor
    public let out_proj: Linear
    public let heads: Int
    public let dim: Int
    public let dropout: Double

    public init(dim: Int, heads: Int, dropout: Double = 0) throws {
        guard dim % heads == 0 else { throw TorchError.invalidArgument("dim \(dim) is not divisible by \(heads) heads") }
        self.dim = dim
        self.heads = heads
        self.dropout = dropout
        // PyTorch: xavier_uniform_ on the packed weight, zero biases.
        let bound = Foundation.sqrt(6.0 / Double(dim + 3 * dim))
        in_proj_weight = parameter(try Tensor.rand([3 * dim, dim]) * (2 * bound) - bound)
        in_proj_bias = parameter(try Tensor.zeros([3 * dim]))
        out_proj = try Linear(dim, dim)
        try out_proj.bias!.assign(Tensor.zeros([dim]))
    }

    /// Batch-first attention: query (N, L, E), key/value (N, S, E). `keyPaddingMask` (N, S) is
    /// true where a key is padding; `attentionMask` (L, S) bool (true = may attend) or additive float.
    /// `causal` also hides every key after the query's own position (CLIP's text mask: −∞ above the diagonal).
    public func callAsFunction(_ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor? = nil,
                               attentionMask: Tensor? = nil, causal: Bool = false) throws -> Tensor {
        let (n, l, s) = (query.shape[0], query.shape[1], key.shape[1])
        let d = dim / heads
        func split(_ x: Tensor, _ length: Int) throws -> Tensor {
            try x.reshaped([n, length, self.heads, d]).transposed(1, 2)
        }
        // One packed matmul where inputs coincide, as PyTorch does: q, k, v for self-attention,
        // k and v together for cross-attention.
        let q: Tensor, k: Tensor, v: Tensor
        if query === key && key === value {
            let qkv = try F.linear(query, in_proj_weight, in_proj_bias)
            (q, k, v) = (try split(qkv.slice(2, 0, dim), l), try split(qkv.slice(2, dim, 2 * dim), l),
                         try split(qkv.slice(2, 2 * dim, 3 * dim), l))
        } else {
            q = try split(F.linear(query, in_proj_weight.slice(0, 0, dim), in_proj_bias.slice(0, 0, dim)), l)
            if key === value {
                let kv = try F.linear(key, in_proj_weight.slice(0, dim, 3 * dim), in_proj_bias.slice(0, dim, 3 * dim))
                (k, v) = (try split(kv.slice(2, 0, dim), s), try split(kv.slice(2, dim, 2 * dim), s))
            } else {
                k = try split(F.linear(key, in_proj_weight.slice(0, dim, 2 * dim), in_proj_bias.slice(0, dim, 2 * dim)), s)
                v = try split(F.linear(value, in_proj_weight.slice(0, 2 * dim, 3 * dim), in_proj_bias.slice(0, 2 * dim, 3 * dim)), s)
            }
        }
        var mask = attentionMask
        if let keyPaddingMask {
            let keep = try keyPaddingMask.logicalNot().reshaped([n, 1, 1, s])
            if let m = mask {
                mask = m.dtype == .bool
                    ? try m.logicalAnd(keep)
                    : try Tensor.where(keep, m, Tensor.full([], -.infinity, dtype: m.dtype))
            } else {
                mask = keep
            }
        }
        let attended = try F.scaledDotProductAttention(q, k, v, mask: mask, dropout: training ? dropout : 0,
                                                      causal: causal)
        return try out_proj(attended.transposed(1, 2).reshaped([n, l, dim]))
    }
}
