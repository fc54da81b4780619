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

    public let config: Config
    let embedding: PatchEmbedding
    let transformer: CLIPTransformer
    let ln_post: LayerNorm
    let proj: Tensor

    /// `embedding` holds `conv1`, `class_embedding`, `positional_embedding` and `ln_pre` under their own names.
    public override var keyOverrides: [String: String] { ["embedding": ""] }

    public init(_ config: Config) throws {
        self.config = config
        embedding = try PatchEmbedding(resolution: config.resolution, patch: config.patch, width: config.width)
        transformer = try CLIPTransformer(width: config.width, layers: config.layers, heads: config.heads)
        ln_post = try LayerNorm(config.width)
        proj = parameter(try Tensor.randn([config.width, config.output]) * (1 / Double(config.width).squareRoot()))
        super.init()
        eval()
    }

    /// Embeddings (N, output) of images already normalised as CLIP expects (see `preprocess`).
    public func callAsFunction(_ images: Tensor) throws -> Tensor {
        let x = try transformer(embedding(images))
        return try F.matmul(ln_post(x.select(1, 0)), proj)
    }

    /// uint8 RGB frames (N, H, W, 3) → float (N, 3, H, W): [0, 1], then CLIP's mean/std.
    public static func preprocess(_ frames: Tensor) throws -> Tensor { try ImageNormalization.clip.apply(frames) }
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
        if w.keys.contains(where: { $0.hasPrefix("vision_model.") }) { w = try HuggingFaceCLIPLayout.openAINames(w) }
        if w.keys.contains(where: { $0.hasPrefix("visual.") }) {
            var out: [String: Tensor] = [:]
            for (k, t) in w where k.hasPrefix("visual.") { out[String(k.dropFirst("visual.".count))] = t }
            return out
        }
        return w
    }
}
