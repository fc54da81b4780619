import Foundation
import Torch

/// CLIP's text encoder (Radford et al. 2021): token and learned position embeddings, pre-LN residual
/// attention blocks under a causal mask, `ln_final`, the hidden state at each row's end-of-text token
/// (the largest id, `argmax`), projected by `text_projection` (stored (width, output), used as x·W).
/// Parameter names are OpenAI's (`token_embedding.weight`, `positional_embedding`,
/// `transformer.resblocks.N.…`, `ln_final`, `text_projection`), which open_clip shares;
/// `CLIPWeights.text` maps Hugging Face's onto them.
public final class CLIPText: Module {
    /// The text tower's shape. `hidden` is the MLP width.
    public struct Config: Sendable, Equatable, Codable {
        /// Token ids (49,408 for CLIP's BPE vocabulary).
        public var vocabulary: Int
        /// Positions (77).
        public var context: Int
        public var width: Int
        public var heads: Int
        public var layers: Int
        /// Width of the projected embedding.
        public var output: Int
        /// MLP width.
        public var hidden: Int
        /// Layer-norm epsilon.
        public var eps: Double
        public var activation: Activation

        public init(vocabulary: Int = 49408, context: Int = 77, width: Int, heads: Int, layers: Int, output: Int,
                    hidden: Int? = nil, eps: Double = 1e-5, activation: Activation = .quickGELU) {
            self.vocabulary = vocabulary
            self.context = context
            self.width = width
            self.heads = heads
            self.layers = layers
            self.output = output
            self.hidden = hidden ?? 4 * width
            self.eps = eps
            self.activation = activation
        }

        /// The text tower of ViT-B/32 and ViT-B/16 (and of X-CLIP base).
        public static let vitB = Config(width: 512, heads: 8, layers: 12, output: 512)
        /// The text tower of ViT-L/14 (and of X-CLIP large).
        public static let vitL14 = Config(width: 768, heads: 12, layers: 12, output: 768)
        /// A tiny tower for tests and demos.
        public static let tiny = Config(width: 32, heads: 4, layers: 2, output: 16)

        /// `vit-b32`, `vit-b16`, `vit-l14`, `vit-l14-336`, `tiny`.
        public static func named(_ name: String) -> Config? {
            ["vit-b32": vitB, "vit-b16": vitB, "vit-l14": vitL14, "vit-l14-336": vitL14, "tiny": tiny][name]
        }

        /// The shape of OpenAI-named text weights; heads are width / 64, as OpenAI's `build_model` sets them.
        public static func inferred(from weights: [String: Tensor]) throws -> Config {
            func shape(_ key: String) throws -> [Int] {
                guard let t = weights[key] else {
                    throw TorchError.checkpointMismatch(missing: [key], unexpected: [], mismatched: [])
                }
                return t.shape
            }
            let width = try shape("ln_final.weight")[0]
            guard width % 64 == 0 else {
                throw TorchError.invalidArgument("text width \(width) is not a multiple of 64, so the head count cannot be inferred: give the configuration")
            }
            let layers = weights.keys.filter { $0.hasPrefix("transformer.resblocks.") && $0.hasSuffix(".ln_1.weight") }.count
            return Config(vocabulary: try shape("token_embedding.weight")[0], context: try shape("positional_embedding")[0],
                          width: width, heads: width / 64, layers: layers, output: try shape("text_projection")[1],
                          hidden: try shape("transformer.resblocks.0.mlp.c_fc.weight")[0])
        }
    }

    public let config: Config
    let token_embedding: Embedding
    let positional_embedding: Tensor
    let transformer: CLIPTransformer
    let ln_final: LayerNorm
    let text_projection: Tensor

    /// Random weights drawn as OpenAI's `initialize_parameters` draws them (seed with `Torch.seed`).
    public init(_ config: Config) throws {
        self.config = config
        token_embedding = try Embedding(config.vocabulary, config.width)
        try token_embedding.weight.assign(token_embedding.weight * 0.02)
        positional_embedding = parameter(try Tensor.randn([config.context, config.width]) * 0.01)
        transformer = try CLIPTransformer(width: config.width, layers: config.layers, heads: config.heads,
                                          hidden: config.hidden, eps: config.eps, activation: config.activation)
        ln_final = try LayerNorm(config.width, eps: config.eps)
        text_projection = parameter(try Tensor.randn([config.width, config.output]) * (1 / Double(config.width).squareRoot()))
        super.init()
        eval()
    }

    /// Embeddings (K, output) of token ids (K, L), L ≤ context (77): `<|startoftext|>`, the text's tokens,
    /// `<|endoftext|>` (49407, the largest id), then padding (0 as OpenAI pads, or 49407 as transformers
    /// does — the causal mask and first-argmax pooling make both give the same result).
    public func encodeText(_ ids: Tensor) throws -> Tensor {
        guard ids.rank == 2, ids.shape[1] <= config.context, !ids.dtype.isFloatingPoint else {
            throw TorchError.invalidArgument("CLIP text ids must be integers of shape (texts, ≤ \(config.context)); got \(ids.dtype) \(ids.shape)")
        }
        let device = positional_embedding.device
        var ids = try ids.to(device, dtype: .int64)
        // Under the causal mask no position sees a later one, and pooling reads each row at its first
        // end-of-text token: positions after the last row's end cannot change the result, so they are
        // not computed (class names are 3–8 tokens of the 77).
        let ends = try ids.argmax(1)
        let used = Int(try ends.max().item()) + 1
        if used < ids.shape[1] { ids = try ids.slice(1, 0, used) }
        let (count, length) = (ids.shape[0], ids.shape[1])
        let x = try ln_final(transformer(token_embedding(ids) + positional_embedding.slice(0, 0, length), causal: true))
        let end = try ends.reshaped([count, 1, 1]).expanded([count, 1, config.width])
        return try F.matmul(x.gather(1, end).squeezed(1), text_projection)
    }
}

extension CLIPWeights {
    /// Text-tower weights from any published CLIP layout, in `CLIPText`'s (OpenAI's) names: OpenAI `.pt`
    /// (TorchScript) and state dicts, open_clip checkpoints (possibly under `state_dict`/`module.`), and
    /// Hugging Face `CLIPModel` / `CLIPTextModelWithProjection` files. Keys of the image tower are dropped.
    public static func loadText(_ url: URL) throws -> [String: Tensor] {
        try text(Torch.loadWeights(url))
    }

    /// Maps names and keeps the text tower's keys (and any key outside every known CLIP part, so strict
    /// loading reports it).
    public static func text(_ weights: [String: Tensor]) throws -> [String: Tensor] {
        var w: [String: Tensor] = [:]
        for (key, t) in weights {
            var k = key
            for prefix in ["state_dict.", "module."] where k.hasPrefix(prefix) { k.removeFirst(prefix.count) }
            w[k] = t
        }
        if w.keys.contains(where: { $0.hasPrefix("text_model.") }) { w = try HuggingFaceCLIPLayout.openAINames(w) }
        let otherParts = ["visual.", "logit_scale", "input_resolution", "context_length", "vocab_size"]
        return w.filter { key, _ in !otherParts.contains { key.hasPrefix($0) } && !key.hasSuffix("attn_mask") }
    }
}
