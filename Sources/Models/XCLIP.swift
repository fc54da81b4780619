import Foundation
import Torch

/// X-CLIP (Ni et al. 2022, "Expanding Language-Image Pretrained Models for General Video Recognition"):
/// a CLIP vision tower whose layers exchange one message token per frame, a multi-frame integration
/// transformer (MIT) that pools the frames into a video embedding, CLIP's text tower, and a prompt
/// generator that adds video-specific prompts to each text embedding before the cosine logits.
///
/// Parameter names are VideoX's (OpenAI CLIP's, with `visual.`, `mit.`, `prompts_*` and the text tower at
/// the top level); `XCLIPWeights` loads transformers' `XCLIPModel` layout, VideoX `.pth` files and plain CLIP
/// checkpoints into them. Every video has exactly `config.frames` frames; inputs are checked before any work.
public final class XCLIP: Module {
    /// What the video side computes, each stage kept so callers (and parity tests) can use any of them.
    public struct VideoFeatures {
        /// Per-frame pooled class tokens, ln_post(x[:, 0]) (B·T, width): transformers' vision `pooler_output`.
        public let framePooled: Tensor
        /// Per-frame embeddings after the visual projection (B, T, P): the MIT's input.
        public let frameEmbeddings: Tensor
        /// Video embeddings (B, P), the MIT's output, not normalised.
        public let video: Tensor
        /// Patch features for the prompt generator (B, N, P): prompts_visual_ln(patch tokens) · prompts_visual_proj, averaged over frames.
        public let patches: Tensor
    }

    public let config: Config
    let text: CLIPText
    let visual: XCLIPVision
    let logit_scale: Tensor
    let prompts_visual_ln: LayerNorm
    /// (width, projection), used as x·W.
    let prompts_visual_proj: Tensor
    let mit: MultiframeIntegration
    let prompts_generator: PromptGenerator

    /// The text tower's names sit at the top level, as in VideoX and OpenAI CLIP.
    public override var keyOverrides: [String: String] { ["text": ""] }

    /// A model with seeded random weights (seed with `Torch.seed` first): the towers drawn as CLIP draws them,
    /// the message, MIT and prompt modules as transformers' `XCLIPPreTrainedModel._init_weights` does.
    public init(_ config: Config) throws {
        guard config.frames > 0 else { throw TorchError.invalidArgument("X-CLIP needs at least one frame per video") }
        self.config = config
        text = try CLIPText(config.text)
        visual = try XCLIPVision(config.vision, projection: config.projection)
        logit_scale = parameter(try Tensor.full([], config.logitScale))
        prompts_visual_ln = try LayerNorm(config.vision.width, eps: config.vision.eps)
        prompts_visual_proj = parameter(try Tensor.randn([config.vision.width, config.projection]))
        mit = try MultiframeIntegration(config)
        prompts_generator = try PromptGenerator(config)
        super.init()
        try initialiseVideoModules()
        eval()
    }

    // MARK: Forward

    /// Times `encodeText` has run on this model (a trainer that keeps the text tower frozen runs it once per run).
    public private(set) var textPasses = 0

    /// Embeddings (K, P) of CLIP token ids (K, L ≤ 77): the frozen text tower, computable once per class list.
    public func encodeText(_ ids: Tensor) throws -> Tensor {
        textPasses += 1
        return try text.encodeText(ids)
    }

    /// The video side for normalised pixels (B, T, 3, H, W) or (B·T, 3, H, W), frames video-major.
    public func encodeVideo(_ pixels: Tensor) throws -> VideoFeatures {
        let (videos, images) = try checkedFrames(pixels)
        let (tokens, pooled) = try visual(images, frames: config.frames)
        let frameEmbeddings = try F.matmul(pooled, visual.proj).reshaped([videos, config.frames, config.projection])
        let patchTokens = try tokens.slice(1, 1, tokens.shape[1])
        let patches = try F.matmul(prompts_visual_ln(patchTokens), prompts_visual_proj)
            .reshaped([videos, config.frames, patchTokens.shape[1], config.projection]).mean([1])
        return VideoFeatures(framePooled: pooled, frameEmbeddings: frameEmbeddings, video: try mit(frameEmbeddings), patches: patches)
    }

    /// Video embeddings (B, P), not normalised.
    public func videoEmbeddings(_ pixels: Tensor) throws -> Tensor { try encodeVideo(pixels).video }

    /// Text embeddings (K, P) with each video's prompts added: (B, K, P), not normalised.
    public func promptedText(_ textEmbeddings: Tensor, for video: VideoFeatures) throws -> Tensor {
        let b = video.video.shape[0]
        guard textEmbeddings.rank == 2, textEmbeddings.shape[1] == config.projection else {
            throw TorchError.invalidArgument("text embeddings must be (classes, \(config.projection)); got \(textEmbeddings.shape)")
        }
        let text = try textEmbeddings.unsqueezed(0).expanded([b, textEmbeddings.shape[0], config.projection])
        return try text + prompts_generator(text, video.patches)
    }

    /// Cosine logits exp(logit_scale) · ⟨v̂, t̂⟩ (B, K) for precomputed text embeddings (K, P).
    public func logits(video: VideoFeatures, textEmbeddings: Tensor) throws -> Tensor {
        try cosine(video: video, textEmbeddings: textEmbeddings) * logit_scale.exp()
    }

    /// ⟨v̂, t̂⟩ (B, K): each video embedding's cosine with its prompted text embeddings (K, P precomputed).
    public func cosine(video: VideoFeatures, textEmbeddings: Tensor) throws -> Tensor {
        let v = try video.video / video.video.norm([-1], keepDims: true)
        let prompted = try promptedText(textEmbeddings, for: video)
        let t = try prompted / prompted.norm([-1], keepDims: true)
        return try F.matmul(t, v.unsqueezed(2)).squeezed(2)
    }

    /// Sets every channel of the prompt generator's output scale (`prompts_generator.alpha`) to `alpha`. With
    /// transformers' initialisation (Linear weights N(0, 1)) a fresh generator's prompts are several times the text
    /// embeddings' norm and vary from video to video, drowning the class text; a small alpha lets a model trained
    /// from scratch start from its text embeddings.
    public func setPromptAlpha(_ alpha: Double) throws {
        try Torch.withoutGrad { try prompts_generator.alpha.assign(Tensor.full([config.projection], alpha)) }
    }

    /// exp(logit_scale), the checkpoint's temperature (≈ 100 for published weights, 1/0.07 at initialisation).
    public func logitScale() throws -> Double { try logit_scale.exp().item() }

    /// Cosine logits (B, K) of normalised pixels against precomputed text embeddings (K, P).
    public func logits(video pixels: Tensor, textEmbeddings: Tensor) throws -> Tensor {
        try logits(video: encodeVideo(pixels), textEmbeddings: textEmbeddings)
    }

    /// `logits_per_video` (B, K) of normalised pixels and CLIP token ids (K, L).
    public func callAsFunction(_ pixels: Tensor, ids: Tensor) throws -> Tensor {
        let video = try encodeVideo(pixels)           // checks the frame count before the text tower runs
        return try logits(video: video, textEmbeddings: encodeText(ids))
    }

    /// (videos, images (B·T, 3, H, W)), or an error naming the frame count this configuration takes.
    private func checkedFrames(_ pixels: Tensor) throws -> (Int, Tensor) {
        let shape = pixels.shape, t = config.frames, r = config.vision.resolution
        let takes = "X-CLIP \(config.name) takes \(t) frame\(t == 1 ? "" : "s") per video"
        let images: Tensor, videos: Int
        switch shape.count {
        case 5:
            guard shape[1] == t else {
                throw TorchError.invalidArgument("\(takes); got \(shape[1]) (\(shape[0] * shape[1]) frames for a batch of \(shape[0]))")
            }
            (videos, images) = (shape[0], try pixels.reshaped([shape[0] * t] + Array(shape[2...])))
        case 4:
            guard shape[0] > 0, shape[0] % t == 0 else {
                throw TorchError.invalidArgument("\(takes); got \(shape[0]) frames, not a whole number of videos")
            }
            (videos, images) = (shape[0] / t, pixels)
        default:
            throw TorchError.invalidArgument("X-CLIP takes pixels (videos, frames, 3, H, W) or (videos·frames, 3, H, W); got \(shape)")
        }
        let image = images.shape
        guard image[1] == 3, image[2] == r, image[3] == r else {
            throw TorchError.invalidArgument("X-CLIP \(config.name) takes 3×\(r)×\(r) images; got \(Array(image.dropFirst()))")
        }
        return (videos, images)
    }

    // MARK: Initialisation

    /// The names of the modules X-CLIP adds to CLIP: what stays freshly initialised when the towers come from CLIP.
    public static func isVideoModule(_ name: String) -> Bool {
        name.hasPrefix("mit.") || name.hasPrefix("prompts_") || name.contains(".message_")
    }

    /// transformers' `_init_weights` for the message, MIT and prompt modules (initializer_factor 1): every
    /// Linear N(0, 1) with zero bias unless a rule below overrides it; attention q/k/v N(0, d^-½ (2L)^-½),
    /// out N(0, d^-½); MIT MLP fc1 N(0, (2d)^-½), fc2 N(0, d^-½ (2L)^-½); MIT positions N(0, 1);
    /// prompts_visual_proj N(0, width^-½); layer norms 1 and 0; alpha = prompt alpha.
    private func initialiseVideoModules() throws {
        func normal(_ t: Tensor, _ std: Double) throws { try t.assign(Tensor.randn(t.shape) * std) }
        func attention(_ a: MultiheadAttention, layers: Int) throws {
            let d = Double(a.dim)
            try normal(a.in_proj_weight, 1 / d.squareRoot() / Double(2 * layers).squareRoot())
            try normal(a.out_proj.weight, 1 / d.squareRoot())
            try a.in_proj_bias.assign(Tensor.zeros(a.in_proj_bias.shape))
            try a.out_proj.bias?.assign(Tensor.zeros([a.dim]))
        }
        func linear(_ l: Linear, std: Double = 1) throws {
            try normal(l.weight, std)
            try l.bias?.assign(Tensor.zeros([l.weight.shape[0]]))
        }
        func layerNorm(_ n: LayerNorm) throws {
            try n.weight?.assign(Tensor.ones(n.shape))
            try n.bias?.assign(Tensor.zeros(n.shape))
        }
        for block in visual.transformer.resblocks {
            try linear(block.message_fc)
            try layerNorm(block.message_ln)
            try attention(block.message_attn, layers: config.vision.layers)
        }
        try layerNorm(prompts_visual_ln)
        try normal(prompts_visual_proj, 1 / Double(config.vision.width).squareRoot())
        try normal(mit.positional_embedding, 1)
        let p = Double(config.projection), mitLayers = Double(2 * config.mit.layers)
        for block in mit.resblocks {
            try attention(block.attn, layers: config.mit.layers)
            try layerNorm(block.ln_1)
            try layerNorm(block.ln_2)
            try linear(block.mlp.c_fc, std: 1 / (2 * p).squareRoot())
            try linear(block.mlp.c_proj, std: 1 / p.squareRoot() / mitLayers.squareRoot())
        }
        try layerNorm(prompts_generator.norm)
        for layer in prompts_generator.decoder {
            for l in [layer.cross_attn.q_proj, layer.cross_attn.k_proj, layer.cross_attn.v_proj, layer.cross_attn.proj] { try linear(l) }
            try layerNorm(layer.norm1)
            try layerNorm(layer.norm3)
            for case let l as Linear in layer.mlp.layers { try linear(l) }
        }
        try prompts_generator.alpha.assign(Tensor.full([config.projection], config.prompt.alpha))
    }
}
