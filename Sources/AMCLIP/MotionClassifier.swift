import Foundation
import Models
import Torch

/// AnimalMotionCLIP's classifier: one X-CLIP whose weights M temporal classifiers share, scoring each clip against
/// one text prompt per class, each class's probability the mean over the M classifiers.
///
/// Scores (`Head`): X-CLIP's own logits exp(logit_scale)·cos are made for a softmax over classes; a sigmoid on them
/// saturates with a pretrained scale near 100 (cos ≈ 0.2–0.3 for every class gives σ(25) ≈ 1). The default
/// `affine` head learns a scale s_k and a bias b_k per class, z_k = s_k·cos_k + b_k, started at s = 10 (SigLIP's
/// starting temperature) and b_k = logit of class k's frequency among the training videos (the rare-class prior of
/// Lin et al. 2017), so the first loss is the labels' entropy rather than a saturated one. `logits` keeps
/// X-CLIP's z_k = exp(logit_scale)·cos_k with nothing added. Parameter names: X-CLIP's (VideoX layout) at the top
/// level, plus `head.scale` and `head.bias` (K) for the affine head.
public final class MotionClassifier: Module {
    /// How cosine similarities become per-class logits.
    public enum Head: String, Sendable, Codable, CaseIterable {
        /// z_k = s_k·cos_k + b_k, learned per class.
        case affine
        /// z_k = exp(logit_scale)·cos_k: X-CLIP's logits.
        case logits
    }

    /// Everything that fixes the model's shape and what its inputs mean: enough to rebuild it from a checkpoint.
    public struct Config: Sendable, Equatable, Codable {
        /// The X-CLIP, its `frames` = images per clip (P, or 2P for rgb+flow).
        public var xclip: XCLIP.Config
        /// K.
        public var classes: Int
        public var head: Head
        /// The images' mean/std (the checkpoint's).
        public var normalization: ImageNormalization

        public init(xclip: XCLIP.Config, classes: Int, head: Head, normalization: ImageNormalization) {
            self.xclip = xclip
            self.classes = classes
            self.head = head
            self.normalization = normalization
        }
    }

    /// The affine head's parameters.
    final class AffineHead: Module {
        let scale: Tensor
        let bias: Tensor
        init(classes: Int, prior: [Double]?) throws {
            scale = parameter(try Tensor.full([classes], MotionClassifier.startScale))
            let logits = (prior ?? [Double](repeating: 0.5, count: classes)).map { p -> Float in
                let q = min(max(p, 1e-4), 1 - 1e-4)
                return Float(Foundation.log(q / (1 - q)))
            }
            bias = parameter(try Tensor(logits, shape: [classes]))
            super.init()
        }
    }

    public let config: Config
    /// The shared X-CLIP.
    public let xclip: XCLIP
    let head: AffineHead?

    /// X-CLIP's names stay at the top level, so the weights read as an X-CLIP checkpoint plus `head.*`.
    public override var keyOverrides: [String: String] { ["xclip": ""] }

    /// The affine head's starting scale.
    public static let startScale = 10.0

    /// A classifier around `xclip` (whose configuration must be `config.xclip`); `prior[k]` is class k's training
    /// frequency for the affine head's starting bias (nil: 0.5, bias 0).
    public init(_ config: Config, xclip: XCLIP, prior: [Double]? = nil) throws {
        guard xclip.config == config.xclip else {
            throw TorchError.invalidArgument("MotionClassifier: the X-CLIP is \(xclip.config.name), the configuration says \(config.xclip.name)")
        }
        if let prior, prior.count != config.classes {
            throw TorchError.invalidArgument("MotionClassifier: \(prior.count) class frequencies for \(config.classes) classes")
        }
        self.config = config
        self.xclip = xclip
        head = config.head == .affine ? try AffineHead(classes: config.classes, prior: prior) : nil
        super.init()
    }

    /// A classifier of `config` with seeded random weights (seed with `Torch.seed` first): for loading a checkpoint into.
    public convenience init(_ config: Config) throws {
        try self.init(config, xclip: XCLIP(config.xclip))
    }

    /// The text tower's embeddings (K, P) of the prompts' token ids (K, L), without gradients: computed once per run.
    public func textEmbeddings(ids: Tensor) throws -> Tensor {
        try Torch.withoutGrad { try xclip.encodeText(ids) }
    }

    /// Per-classifier logits (B, M, K) of clips (B, M, T, 3, R, R) against text embeddings (K, P).
    public func logits(_ clips: Tensor, textEmbeddings: Tensor) throws -> Tensor {
        let shape = clips.shape
        guard shape.count == 6 else {
            throw TorchError.invalidArgument("MotionClassifier takes clips (videos, classifiers, frames, 3, H, W); got \(shape)")
        }
        let (b, m) = (shape[0], shape[1])
        let video = try xclip.encodeVideo(clips.reshaped([b * m] + Array(shape[2...])))
        let z: Tensor
        if let head {
            z = try xclip.cosine(video: video, textEmbeddings: textEmbeddings) * head.scale + head.bias
        } else {
            z = try xclip.logits(video: video, textEmbeddings: textEmbeddings)
        }
        return try z.reshaped([b, m, config.classes])
    }

    /// Class probabilities (B, K): the mean over the M classifiers of σ(logits).
    public static func probabilities(_ logits: Tensor) throws -> Tensor {
        try logits.to(.float32).sigmoid().mean([1])
    }

    /// The training loss: binary cross-entropy of every classifier's logits (B, M, K) against labels (B, K), averaged
    /// over videos, classifiers and classes (each classifier learns to classify on its own).
    public static func loss(_ logits: Tensor, labels: Tensor) throws -> Tensor {
        let shape = logits.shape
        let targets = try labels.unsqueezed(1).expanded(shape)
        return try F.binaryCrossEntropyWithLogits(logits.to(.float32), targets)
    }

    /// What training updates, as AdamW parameter groups, X-CLIP's recipe: the vision tower at the base rate, the
    /// modules X-CLIP adds to CLIP (`message_*`, `mit.*`, `prompts_*`) and the head at `newScale` × the base rate;
    /// weight decay `weightDecay` except on biases, 1-D tensors (norms, the head), class and positional embeddings.
    /// The text tower and `logit_scale` are frozen here (`requiresGrad` off): the prompts' embeddings are computed
    /// once per run. `freezeVision` freezes the vision tower's CLIP weights too (the message modules inside it still
    /// train): only what X-CLIP adds and the head learn. Groups left empty are dropped.
    public func trainingGroups(newScale: Double, weightDecay: Double, freezeVision: Bool = false) -> [Optimizer.Group] {
        var groups = [[Tensor]](repeating: [], count: 4)
        for (name, tensor) in namedTensors() where tensor.dtype.isFloatingPoint {
            let isNew = XCLIP.isVideoModule(name) || name.hasPrefix("head.")
            guard isNew || (name.hasPrefix("visual.") && !freezeVision) else {
                tensor.requiresGrad = false
                continue
            }
            guard tensor.requiresGrad else { continue }
            let decays = tensor.rank > 1 && !name.hasSuffix(".bias") && !name.contains("positional_embedding")
                && !name.contains("class_embedding")
            groups[(isNew ? 2 : 0) + (decays ? 0 : 1)].append(tensor)
        }
        let scales = [1, 1, newScale, newScale], decay = [weightDecay, 0, weightDecay, 0]
        return (0..<4).filter { !groups[$0].isEmpty }.map { Optimizer.Group(parameters: groups[$0], lrScale: scales[$0], weightDecay: decay[$0]) }
    }
}
