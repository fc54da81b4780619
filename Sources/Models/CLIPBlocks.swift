import Foundation
import Torch

/// The activation inside a transformer MLP, by the names Hugging Face configs use (`hidden_act`).
public enum Activation: String, Sendable, Codable, Equatable {
    /// CLIP's x · σ(1.702 x) (`quick_gelu`), what every OpenAI CLIP and X-CLIP checkpoint uses.
    case quickGELU = "quick_gelu"
    /// Exact (erf) GELU.
    case gelu
    /// tanh-approximated GELU (`gelu_new`, `gelu_pytorch_tanh`).
    case geluTanh = "gelu_new"
    case relu

    /// Parses a config's `hidden_act`; nil for an activation vimo does not implement.
    public init?(configName: String) {
        switch configName {
        case "quick_gelu": self = .quickGELU
        case "gelu": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": self = .geluTanh
        case "relu": self = .relu
        default: return nil
        }
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        switch self {
        case .quickGELU: return try x.quickGELU()
        case .gelu: return try x.gelu()
        case .geluTanh: return try x.geluTanh()
        case .relu: return try x.relu()
        }
    }
}

/// OpenAI CLIP's pre-LN residual attention block (`ResidualAttentionBlock`): `attn` (packed
/// `in_proj_weight`), `ln_1`, `mlp.c_fc`, `mlp.c_proj`, `ln_2`. Shared by CLIP's image and text
/// towers, X-CLIP's multi-frame integration transformer and (with message tokens) its vision tower.
final class ResidualAttentionBlock: Module {
    final class MLP: Module {
        let c_fc: Linear
        let c_proj: Linear
        let activation: Activation
        init(width: Int, hidden: Int, activation: Activation) throws {
            c_fc = try Linear(width, hidden)
            c_proj = try Linear(hidden, width)
            self.activation = activation
        }
        func callAsFunction(_ x: Tensor) throws -> Tensor { try c_proj(activation(c_fc(x))) }
    }

    let attn: MultiheadAttention
    let ln_1: LayerNorm
    let mlp: MLP
    let ln_2: LayerNorm

    /// `hidden` is the MLP width (4 × `width` in every published CLIP).
    init(width: Int, heads: Int, hidden: Int? = nil, eps: Double = 1e-5, activation: Activation = .quickGELU) throws {
        attn = try MultiheadAttention(dim: width, heads: heads)
        ln_1 = try LayerNorm(width, eps: eps)
        mlp = try MLP(width: width, hidden: hidden ?? 4 * width, activation: activation)
        ln_2 = try LayerNorm(width, eps: eps)
    }

    /// The attention branch, attn(ln_1(x)), batch first; `causal` for the text tower.
    func attention(_ x: Tensor, causal: Bool = false) throws -> Tensor {
        let h = try ln_1(x)
        return try attn(h, h, h, causal: causal)
    }

    /// The MLP branch, mlp(ln_2(x)).
    func feedForward(_ x: Tensor) throws -> Tensor { try mlp(ln_2(x)) }

    func callAsFunction(_ x: Tensor, causal: Bool = false) throws -> Tensor {
        let x = try x + attention(x, causal: causal)
        return try x + feedForward(x)
    }
}

/// `resblocks.N`: a stack of residual attention blocks.
final class CLIPTransformer: Module {
    let resblocks: [ResidualAttentionBlock]

    init(width: Int, layers: Int, heads: Int, hidden: Int? = nil, eps: Double = 1e-5, activation: Activation = .quickGELU) throws {
        resblocks = try (0..<layers).map { _ in
            try ResidualAttentionBlock(width: width, heads: heads, hidden: hidden, eps: eps, activation: activation)
        }
    }

    func callAsFunction(_ x: Tensor, causal: Bool = false) throws -> Tensor {
        try resblocks.reduce(x) { try $1($0, causal: causal) }
    }
}

/// The front of CLIP's image tower, flattened into its owner: `conv1` (patch embedding, no bias),
/// `class_embedding`, `positional_embedding`, `ln_pre`.
final class PatchEmbedding: Module {
    let conv1: Conv2d
    let class_embedding: Tensor
    let positional_embedding: Tensor
    let ln_pre: LayerNorm
    let width: Int

    init(resolution: Int, patch: Int, width: Int, eps: Double = 1e-5) throws {
        let grid = resolution / patch
        let scale = 1 / Double(width).squareRoot()
        self.width = width
        conv1 = try Conv2d(3, width, kernel: (patch, patch), stride: (patch, patch), bias: false)
        class_embedding = parameter(try Tensor.randn([width]) * scale)
        positional_embedding = parameter(try Tensor.randn([grid * grid + 1, width]) * scale)
        ln_pre = try LayerNorm(width, eps: eps)
    }

    /// Images (N, 3, H, W) → tokens (N, 1 + grid², width): class token first, positions added, ln_pre.
    func callAsFunction(_ images: Tensor) throws -> Tensor {
        let n = images.shape[0]
        let x = try conv1(images).flattened(from: 2).transposed(1, 2)                 // (N, grid², width)
        let cls = try class_embedding.reshaped([1, 1, width]).expanded([n, 1, width])
        return try ln_pre(Tensor.cat([cls, x], dim: 1) + positional_embedding)
    }
}

/// Per-channel mean and standard deviation that images are normalised with after scaling to [0, 1].
public struct ImageNormalization: Sendable, Equatable, Codable {
    public var mean: [Double]
    public var std: [Double]

    public init(mean: [Double], std: [Double]) {
        self.mean = mean
        self.std = std
    }

    /// OpenAI CLIP's statistics (also what an X-CLIP built from a CLIP checkpoint expects).
    public static let clip = ImageNormalization(mean: [0.48145466, 0.4578275, 0.40821073],
                                                std: [0.26862954, 0.26130258, 0.27577711])
    /// ImageNet's statistics, which the published X-CLIP preprocessors use.
    public static let imageNet = ImageNormalization(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])

    /// uint8 RGB frames (N, H, W, 3) → float (N, 3, H, W): [0, 1], then (x − mean) / std.
    public func apply(_ frames: Tensor) throws -> Tensor {
        let m = try Tensor(mean.map(Float.init), shape: [1, 3, 1, 1]).to(frames.device)
        let s = try Tensor(std.map(Float.init), shape: [1, 3, 1, 1]).to(frames.device)
        return try (frames.permuted([0, 3, 1, 2]).to(.float32) / 255 - m) / s
    }
}
