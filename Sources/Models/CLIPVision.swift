import Foundation
import Torch

/// CLIP's image encoder (Radford et al. 2021): patch convolution, class token, positional
/// embedding, pre-LN residual attention blocks with QuickGELU, post-LN, projection. Parameter
/// names are OpenAI's (`conv1.weight`, `transformer.resblocks.3.attn.in_proj_weight`, `proj`, …)
/// without the `visual.` prefix; `CLIPWeights` maps the other published layouts onto them.
public final class CLIPVision: Module {
    /// Published configurations, and a tiny one for tests and the demo.
    public struct Config: Sendable, Equatable, Codable {
        public var patch: Int
        public var width: Int
        public var layers: Int
        public var heads: Int
        public var output: Int
        public var resolution = 224

        public init(patch: Int, width: Int, layers: Int, heads: Int, output: Int, resolution: Int = 224) {
            self.patch = patch
            self.width = width
            self.layers = layers
            self.heads = heads
            self.output = output
            self.resolution = resolution
        }

        public static let vitB32 = Config(patch: 32, width: 768, layers: 12, heads: 12, output: 512)
        public static let vitB16 = Config(patch: 16, width: 768, layers: 12, heads: 12, output: 512)
        public static let vitL14 = Config(patch: 14, width: 1024, layers: 24, heads: 16, output: 768)
        public static let tiny = Config(patch: 32, width: 64, layers: 2, heads: 2, output: 32)

        /// `vit-b32`, `vit-b16`, `vit-l14`, `tiny`.
        public static func named(_ name: String) -> Config? {
            ["vit-b32": vitB32, "vit-b16": vitB16, "vit-l14": vitL14, "tiny": tiny][name]
        }
    }

    /// One pre-LN residual attention block.
    final class Block: Module {
        final class MLP: Module {
            let c_fc: Linear
            let c_proj: Linear
            init(_ width: Int) throws {
                c_fc = try Linear(width, 4 * width)
                c_proj = try Linear(4 * width, width)
            }
        }
        let attn: MultiheadAttention
        let ln_1: LayerNorm
        let mlp: MLP
        let ln_2: LayerNorm

        init(width: Int, heads: Int) throws {
            attn = try MultiheadAttention(dim: width, heads: heads)
            ln_1 = try LayerNorm(width)
            mlp = try MLP(width)
            ln_2 = try LayerNorm(width)
        }

        func callAsFunction(_ x: Tensor) throws -> Tensor {
            let h = try ln_1(x)
            let x = try x + attn(h, h, h)
            return try x + mlp.c_proj(mlp.c_fc(ln_2(x)).quickGELU())
        }
    }

    /// `transformer.resblocks.N`
    final class Transformer: Module {
        let resblocks: [Block]
        init(_ config: Config) throws {
            resblocks = try (0..<config.layers).map { _ in try Block(width: config.width, heads: config.heads) }
        }
    }

    public let config: Config
    let conv1: Conv2d
    let class_embedding: Tensor
    let positional_embedding: Tensor
    let ln_pre: LayerNorm
    let transformer: Transformer
    let ln_post: LayerNorm
    let proj: Tensor

    public init(_ config: Config) throws {
        self.config = config
        let grid = config.resolution / config.patch
        let scale = 1 / Double(config.width).squareRoot()
        conv1 = try Conv2d(3, config.width, kernel: (config.patch, config.patch), stride: (config.patch, config.patch), bias: false)
        class_embedding = parameter(try Tensor.randn([config.width]) * scale)
        positional_embedding = parameter(try Tensor.randn([grid * grid + 1, config.width]) * scale)
        ln_pre = try LayerNorm(config.width)
        transformer = try Transformer(config)
        ln_post = try LayerNorm(config.width)
        proj = parameter(try Tensor.randn([config.width, config.output]) * scale)
        super.init()
        eval()
    }

    /// Embeddings (N, output) of images already normalised as CLIP expects (see `preprocess`).
    public func callAsFunction(_ images: Tensor) throws -> Tensor {
        let n = images.shape[0]
        var x = try conv1(images).flattened(from: 2).transposed(1, 2)                 // (N, grid², width)
        let cls = try class_embedding.reshaped([1, 1, config.width]).expanded([n, 1, config.width])
        x = try ln_pre(Tensor.cat([cls, x], dim: 1) + positional_embedding)
        for block in transformer.resblocks { x = try block(x) }
        return try F.matmul(ln_post(x.select(1, 0)), proj)
    }

    /// uint8 RGB frames (N, H, W, 3) → float (N, 3, H, W): [0, 1], then CLIP's mean/std.
    public static func preprocess(_ frames: Tensor) throws -> Tensor {
        let mean = try Tensor([0.48145466, 0.4578275, 0.40821073] as [Float], shape: [1, 3, 1, 1]).to(frames.device)
        let std = try Tensor([0.26862954, 0.26130258, 0.27577711] as [Float], shape: [1, 3, 1, 1]).to(frames.device)
        return try (frames.permuted([0, 3, 1, 2]).to(.float32) / 255 - mean) / std
    }
}

/// Reads CLIP image-encoder weights from the published layouts into `CLIPVision`'s names.
public enum CLIPWeights {
    /// OpenAI `.pt` (TorchScript) and OpenAI-layout state dicts (`visual.*`), open_clip checkpoints
    /// (`visual.*`, possibly under `state_dict`/`module.`), bare VisionTransformer state dicts, and
    /// Hugging Face `CLIPVisionModelWithProjection` safetensors (`vision_model.*`, `visual_projection`).
    public static func load(_ url: URL) throws -> [String: Tensor] {
        try sanitize(Torch.loadWeights(url))
    }

    /// Maps names; keys that belong to other parts of CLIP (the text tower) are dropped.
    public static func sanitize(_ weights: [String: Tensor]) throws -> [String: Tensor] {
        var w: [String: Tensor] = [:]
        for (key, t) in weights {
            var k = key
            for prefix in ["state_dict.", "module."] where k.hasPrefix(prefix) { k.removeFirst(prefix.count) }
            w[k] = t
        }
        if w.keys.contains(where: { $0.hasPrefix("vision_model.") }) { return try huggingFace(w) }
        if w.keys.contains(where: { $0.hasPrefix("visual.") }) {
            var out: [String: Tensor] = [:]
            for (k, t) in w where k.hasPrefix("visual.") { out[String(k.dropFirst("visual.".count))] = t }
            return out
        }
        return w
    }

    private static func huggingFace(_ w: [String: Tensor]) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        func take(_ key: String) throws -> Tensor {
            guard let t = w[key] else { throw TorchError.checkpointMismatch(missing: [key], unexpected: [], mismatched: []) }
            return t
        }
        let e = "vision_model.embeddings."
        out["conv1.weight"] = try take(e + "patch_embedding.weight")
        out["class_embedding"] = try take(e + "class_embedding")
        out["positional_embedding"] = try take(e + "position_embedding.weight")
        out["ln_pre.weight"] = try take("vision_model.pre_layrnorm.weight")
        out["ln_pre.bias"] = try take("vision_model.pre_layrnorm.bias")
        out["ln_post.weight"] = try take("vision_model.post_layernorm.weight")
        out["ln_post.bias"] = try take("vision_model.post_layernorm.bias")
        out["proj"] = try take("visual_projection.weight").transposed(0, 1).contiguous()   // Linear (out, in) → (in, out)
        var layer = 0
        while w["vision_model.encoder.layers.\(layer).layer_norm1.weight"] != nil {
            let h = "vision_model.encoder.layers.\(layer).", o = "transformer.resblocks.\(layer)."
            out[o + "attn.in_proj_weight"] = try Tensor.cat([take(h + "self_attn.q_proj.weight"), take(h + "self_attn.k_proj.weight"),
                                                            take(h + "self_attn.v_proj.weight")], dim: 0)
            out[o + "attn.in_proj_bias"] = try Tensor.cat([take(h + "self_attn.q_proj.bias"), take(h + "self_attn.k_proj.bias"),
                                                          take(h + "self_attn.v_proj.bias")], dim: 0)
            for (from, to) in [("self_attn.out_proj", "attn.out_proj"), ("layer_norm1", "ln_1"), ("layer_norm2", "ln_2"),
                               ("mlp.fc1", "mlp.c_fc"), ("mlp.fc2", "mlp.c_proj")] {
                out[o + to + ".weight"] = try take(h + from + ".weight")
                out[o + to + ".bias"] = try take(h + from + ".bias")
            }
            layer += 1
        }
        return out
    }
}
