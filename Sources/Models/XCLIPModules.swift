import Foundation
import Torch

// The parts of X-CLIP (Ni et al. 2022) beyond CLIP's towers, in VideoX's names.

/// A vision layer with cross-frame communication (VideoX's `CrossFramelAttentionBlock`): each frame's class
/// token becomes a message (`message_fc`), messages attend to each other across the video's frames
/// (`message_ln`, `message_attn`), each frame's tokens then attend together with its message token, which is
/// dropped again before the MLP. The attention and MLP are a CLIP block's (`attn`, `ln_1`, `mlp`, `ln_2`).
final class CrossFrameBlock: Module {
    let message_fc: Linear
    let message_ln: LayerNorm
    let message_attn: MultiheadAttention
    let block: ResidualAttentionBlock

    override var keyOverrides: [String: String] { ["block": ""] }

    init(_ vision: XCLIP.Config.Vision) throws {
        message_fc = try Linear(vision.width, vision.width)
        message_ln = try LayerNorm(vision.width, eps: vision.eps)
        message_attn = try MultiheadAttention(dim: vision.width, heads: vision.heads)
        block = try ResidualAttentionBlock(width: vision.width, heads: vision.heads, hidden: vision.hidden,
                                           eps: vision.eps, activation: vision.activation)
    }

    /// Tokens (B·T, L, D), frames grouped video-major, → (B·T, L, D).
    func callAsFunction(_ x: Tensor, frames: Int) throws -> Tensor {
        let (count, length, width) = (x.shape[0], x.shape[1], x.shape[2])
        var message = try message_fc(x.select(1, 0)).reshaped([count / frames, frames, width])
        let h = try message_ln(message)
        message = try message + message_attn(h, h, h)
        let withMessage = try Tensor.cat([x, message.reshaped([count, 1, width])], dim: 1)
        let y = try (withMessage + block.attention(withMessage)).slice(1, 0, length)
        return try y + block.feedForward(y)
    }
}

/// X-CLIP's vision tower (VideoX's `CrossFrameCommunicationTransformer`, under `visual.`).
final class XCLIPVision: Module {
    /// `transformer.resblocks.N`
    final class Transformer: Module {
        let resblocks: [CrossFrameBlock]
        init(_ vision: XCLIP.Config.Vision) throws {
            resblocks = try (0..<vision.layers).map { _ in try CrossFrameBlock(vision) }
        }
    }

    let embedding: PatchEmbedding
    let transformer: Transformer
    let ln_post: LayerNorm
    /// (width, projection), used as x·W.
    let proj: Tensor

    override var keyOverrides: [String: String] { ["embedding": ""] }

    init(_ vision: XCLIP.Config.Vision, projection: Int) throws {
        embedding = try PatchEmbedding(resolution: vision.resolution, patch: vision.patch, width: vision.width, eps: vision.eps)
        transformer = try Transformer(vision)
        ln_post = try LayerNorm(vision.width, eps: vision.eps)
        proj = parameter(try Tensor.randn([vision.width, projection]) * (1 / Double(vision.width).squareRoot()))
    }

    /// Images (B·T, 3, H, W) → the last hidden state (B·T, L, D) and the pooled class tokens ln_post(x[:, 0]) (B·T, D).
    func callAsFunction(_ images: Tensor, frames: Int) throws -> (tokens: Tensor, pooled: Tensor) {
        let tokens = try transformer.resblocks.reduce(embedding(images)) { try $1($0, frames: frames) }
        return (tokens, try ln_post(tokens.select(1, 0)))
    }
}

/// The multi-frame integration transformer (VideoX's `MultiframeIntegrationTransformer`, under `mit.`):
/// frame embeddings + `positional_embedding` (1, T, P) → CLIP blocks → + the frame embeddings → mean over T.
final class MultiframeIntegration: Module {
    let positional_embedding: Tensor
    let resblocks: [ResidualAttentionBlock]

    init(_ config: XCLIP.Config) throws {
        let width = config.projection
        positional_embedding = parameter(try Tensor.randn([1, config.frames, width]) * 0.02)
        resblocks = try (0..<config.mit.layers).map { _ in
            try ResidualAttentionBlock(width: width, heads: config.mit.heads, hidden: config.mit.hidden,
                                       eps: config.vision.eps, activation: config.vision.activation)
        }
    }

    /// (B, T, P) → (B, P).
    func callAsFunction(_ frames: Tensor) throws -> Tensor {
        let x = try resblocks.reduce(frames + positional_embedding) { try $1($0) }
        return try (x + frames).mean([1])
    }
}

/// The prompt generator's cross-attention (VideoX's `MulitHeadAttention`): `q_proj`, `k_proj`, `v_proj`
/// without bias, output `proj` with bias.
final class PromptAttention: Module {
    let q_proj: Linear
    let k_proj: Linear
    let v_proj: Linear
    let proj: Linear
    let heads: Int

    init(width: Int, heads: Int) throws {
        guard width % heads == 0 else { throw TorchError.invalidArgument("prompt width \(width) is not divisible by \(heads) heads") }
        q_proj = try Linear(width, width, bias: false)
        k_proj = try Linear(width, width, bias: false)
        v_proj = try Linear(width, width, bias: false)
        proj = try Linear(width, width)
        self.heads = heads
    }

    /// Queries (B, K, P) attend to keys and values (B, N, P).
    func callAsFunction(_ queries: Tensor, _ visual: Tensor) throws -> Tensor {
        let (b, k, width) = (queries.shape[0], queries.shape[1], queries.shape[2])
        func split(_ x: Tensor) throws -> Tensor {
            try x.reshaped([b, x.shape[1], heads, width / heads]).transposed(1, 2)
        }
        let attended = try F.scaledDotProductAttention(split(q_proj(queries)), split(k_proj(visual)), split(v_proj(visual)))
        return try proj(attended.transposed(1, 2).reshaped([b, k, width]))
    }
}

/// One prompt-generator decoder layer: x += cross_attn(norm1(x), visual); x += mlp(norm3(x)).
final class PromptGeneratorLayer: Module {
    let cross_attn: PromptAttention
    let norm1: LayerNorm
    let norm3: LayerNorm
    /// `mlp.0` (P → 4P), activation, dropout, `mlp.3` (4P → P).
    let mlp: Sequential

    init(_ config: XCLIP.Config) throws {
        let width = config.projection, activation = config.prompt.activation
        cross_attn = try PromptAttention(width: width, heads: config.prompt.heads)
        norm1 = try LayerNorm(width, eps: config.text.eps)
        norm3 = try LayerNorm(width, eps: config.text.eps)
        mlp = Sequential([try Linear(width, 4 * width), Lambda { try activation($0) }, Dropout(0), try Linear(4 * width, width)])
    }

    func callAsFunction(_ x: Tensor, _ visual: Tensor) throws -> Tensor {
        let x = try x + cross_attn(norm1(x), visual)
        return try x + mlp(norm3(x))
    }
}

/// The video-specific prompt generator (VideoX's `VideoSpecificPrompt`, under `prompts_generator.`).
final class PromptGenerator: Module {
    let norm: LayerNorm
    let decoder: [PromptGeneratorLayer]
    /// Per-channel output scale.
    let alpha: Tensor

    init(_ config: XCLIP.Config) throws {
        norm = try LayerNorm(config.projection, eps: config.vision.eps)
        decoder = try (0..<config.prompt.layers).map { _ in try PromptGeneratorLayer(config) }
        alpha = parameter(try Tensor.full([config.projection], config.prompt.alpha))
    }

    /// Text embeddings (B, K, P) and visual patch features (B, N, P) → the prompt to add to the text (B, K, P).
    func callAsFunction(_ text: Tensor, _ visual: Tensor) throws -> Tensor {
        let visual = try norm(visual)
        return try decoder.reduce(text) { try $1($0, visual) } * alpha
    }
}
