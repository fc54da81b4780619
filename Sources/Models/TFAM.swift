import Foundation
import Torch

/// How appearance (CLIP) and motion embeddings are fused — the variants of ViMoCLIP's Table 2.
public enum Fusion: String, Sendable, CaseIterable {
    /// Self-attention over the CLIP sequence only.
    case rgb
    /// Self-attention over the motion sequence only.
    case motion
    /// Self-attention over per-frame [CLIP ‖ motion] (width 2D).
    case concatEmbedding = "concat-embedding"
    /// Self-attention over the CLIP sequence followed by the motion sequence (length T_rgb + T_motion).
    case concatTemporal = "concat-temporal"
    /// TFAM: each layer self-attends over CLIP, then cross-attends with Q = CLIP, K/V = motion (the default).
    case cross
}

/// Settings of the fusion transformer and its head.
public struct TFAMConfig: Sendable, Equatable, Codable {
    public var dim = 512
    public var layers = 4
    public var heads = 8
    public var feedForward = 2048
    public var dropout = 0.1
    public var classes = 140
    public var headHidden = 256
    public var fusion = Fusion.cross.rawValue
    /// Positional encoding: "none" (the paper's code), "sinusoidal" or "learned".
    public var positional = "none"
    public var maxLength = 512
    /// Average the padding too, as ViMoCLIP's code does (off: mean over valid positions only).
    public var poolPadding = false
    /// Standardise each dimension of the motion embeddings with fixed statistics of the training set
    /// (the `motion_norm` buffers) before fusion; nil or false: as they come (ViMoCLIP). CLIP's
    /// appearance embeddings always enter as they come.
    public var standardizeMotion: Bool?

    public init(dim: Int = 512, layers: Int = 4, heads: Int = 8, feedForward: Int = 2048, dropout: Double = 0.1,
                classes: Int = 140, fusion: Fusion = .cross, positional: String = "none", poolPadding: Bool = false,
                standardizeMotion: Bool = false) {
        self.dim = dim
        self.layers = layers
        self.heads = heads
        self.feedForward = feedForward
        self.dropout = dropout
        self.classes = classes
        self.fusion = fusion.rawValue
        self.positional = positional
        self.poolPadding = poolPadding
        self.standardizeMotion = standardizeMotion ? true : nil
    }
}

/// A post-norm transformer layer with self-attention and, for cross fusion, cross-attention
/// (PyTorch's TransformerDecoderLayer names: self_attn, multihead_attn, linear1/2, norm1/2/3).
final class FusionLayer: Module {
    let self_attn: MultiheadAttention
    let multihead_attn: MultiheadAttention?
    let linear1: Linear
    let linear2: Linear
    let norm1: LayerNorm
    let norm2: LayerNorm
    let norm3: LayerNorm?
    let dropout: Double

    init(dim: Int, heads: Int, feedForward: Int, dropout: Double, cross: Bool) throws {
        self_attn = try MultiheadAttention(dim: dim, heads: heads, dropout: dropout)
        multihead_attn = cross ? try MultiheadAttention(dim: dim, heads: heads, dropout: dropout) : nil
        linear1 = try Linear(dim, feedForward)
        linear2 = try Linear(feedForward, dim)
        norm1 = try LayerNorm(dim)
        norm2 = try LayerNorm(dim)
        norm3 = cross ? try LayerNorm(dim) : nil
        self.dropout = dropout
    }

    func callAsFunction(_ x: Tensor, mask: Tensor?, memory: Tensor?, memoryMask: Tensor?) throws -> Tensor {
        func drop(_ t: Tensor) throws -> Tensor { try F.dropout(t, p: dropout, training: training) }
        var x = try norm1(x + drop(self_attn(x, x, x, keyPaddingMask: mask)))
        var last = norm2
        if let multihead_attn, let memory, let norm3 {
            x = try norm2(x + drop(multihead_attn(x, memory, memory, keyPaddingMask: memoryMask)))
            last = norm3
        }
        let ff = try linear2(drop(linear1(x).relu()))
        return try last(x + drop(ff))
    }
}

/// ViMoCLIP's fusion transformer (TFAM) and multi-label head:
/// LayerNorm → Linear D→256 → GELU → Dropout → Linear 256→K over the pooled sequence.
public final class TFAM: Module {
    public let config: TFAMConfig
    let layers: [FusionLayer]
    let head: Sequential
    let positional_embedding: Tensor?
    let motion_norm: Standardization?
    let fusion: Fusion

    public init(_ config: TFAMConfig) throws {
        self.config = config
        guard let fusion = Fusion(rawValue: config.fusion) else {
            throw TorchError.invalidArgument("unknown fusion '\(config.fusion)'")
        }
        self.fusion = fusion
        let width = fusion == .concatEmbedding ? 2 * config.dim : config.dim
        layers = try (0..<config.layers).map { _ in
            try FusionLayer(dim: width, heads: config.heads, feedForward: config.feedForward, dropout: config.dropout,
                            cross: fusion == .cross)
        }
        head = Sequential([try LayerNorm(width), try Linear(width, config.headHidden), Lambda { try $0.gelu() },
                           Dropout(config.dropout), try Linear(config.headHidden, config.classes)])
        positional_embedding = config.positional == "learned"
            ? parameter(try Tensor.randn([config.maxLength, width]) * 0.02) : nil
        motion_norm = config.standardizeMotion == true ? try Standardization(config.dim) : nil
    }

    /// Sets the motion embeddings' standardisation statistics (per-dimension mean and standard
    /// deviation, each (D)); only for a model configured with `standardizeMotion`.
    public func setMotionStandardization(mean: Tensor, std: Tensor) throws {
        guard let motion_norm else {
            throw TorchError.invalidArgument("this TFAM was not configured to standardise its motion embeddings")
        }
        try motion_norm.set(mean: mean, std: std)
    }

    /// Scores (N, K) from CLIP embeddings (N, T, D) and motion embeddings (N, S, D) with key-padding
    /// masks (true = padding). For concat-embedding the two sequences must be aligned (S = T).
    public func callAsFunction(rgb: Tensor, rgbMask: Tensor, motion: Tensor, motionMask: Tensor) throws -> Tensor {
        let motion = try motion_norm?(motion) ?? motion
        var x: Tensor, mask: Tensor
        var memory: Tensor? = nil, memoryMask: Tensor? = nil
        switch fusion {
        case .rgb: (x, mask) = (rgb, rgbMask)
        case .motion: (x, mask) = (motion, motionMask)
        case .concatEmbedding: (x, mask) = (try Tensor.cat([rgb, motion], dim: 2), rgbMask)
        case .concatTemporal:
            x = try Tensor.cat([addPosition(rgb), addPosition(motion)], dim: 1)
            mask = try Tensor.cat([rgbMask, motionMask], dim: 1)
        case .cross:
            (x, mask) = (rgb, rgbMask)
            memory = try addPosition(motion)
            memoryMask = motionMask
        }
        if fusion != .concatTemporal { x = try addPosition(x) }
        for layer in layers { x = try layer(x, mask: mask, memory: memory, memoryMask: memoryMask) }
        return try head(pool(x, mask: mask))
    }

    /// Mean over valid positions (or over all, for exact ViMoCLIP reproduction).
    func pool(_ x: Tensor, mask: Tensor) throws -> Tensor {
        if config.poolPadding { return try x.mean([1]) }
        let valid = try mask.logicalNot().to(x.dtype).unsqueezed(2)          // (N, T, 1)
        return try (x * valid).sum([1]) / valid.sum([1]).clamp(min: 1)
    }

    func addPosition(_ x: Tensor) throws -> Tensor {
        let length = x.shape[1], width = x.shape[2]
        switch config.positional {
        case "learned":
            return try x + positional_embedding!.slice(0, 0, length)
        case "sinusoidal":
            return try x + Self.sinusoid(length: length, width: width).to(x.device, dtype: x.dtype)
        default:
            return x
        }
    }

    /// The transformer paper's fixed encoding: sin on even channels, cos on odd ones.
    static func sinusoid(length: Int, width: Int) throws -> Tensor {
        var values = [Float](repeating: 0, count: length * width)
        for p in 0..<length {
            for i in stride(from: 0, to: width, by: 2) {
                let angle = Double(p) / Foundation.pow(10000, Double(i) / Double(width))
                values[p * width + i] = Float(Foundation.sin(angle))
                if i + 1 < width { values[p * width + i + 1] = Float(Foundation.cos(angle)) }
            }
        }
        return try Tensor(values, shape: [length, width])
    }
}

/// Fixed per-dimension standardisation, (x − mean) / std, with statistics measured on the training
/// set and stored with the model as buffers (never trained). Embeddings whose informative part is a
/// small variation around a large common direction (a CLIP encoder's outputs on near-white flow
/// images can vary by about 1 % of their norm) reach the transformer on the scale of its weights.
final class Standardization: Module {
    let mean: Tensor
    let std: Tensor

    init(_ dim: Int) throws {
        mean = try Tensor.zeros([dim])
        std = try Tensor.ones([dim])
    }

    override var ownBuffers: [Tensor] { [mean, std] }

    func set(mean newMean: Tensor, std newStd: Tensor) throws {
        guard newMean.shape == mean.shape, newStd.shape == std.shape else {
            throw TorchError.invalidArgument("standardisation statistics of shape \(newMean.shape), \(newStd.shape); the model's are \(mean.shape)")
        }
        try mean.assign(newMean.to(mean.device, dtype: mean.dtype))
        try std.assign(newStd.to(std.device, dtype: std.dtype))
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        try (x - mean.to(x.device, dtype: x.dtype)) / std.to(x.device, dtype: x.dtype)
    }
}
