import Foundation
import Torch

/// ViMoCLIP's motion student: a CLIP image encoder fed colour-coded flow, a residual
/// alignment ẑ = z + α·h(z) (h = Linear–GELU–Linear, the second layer zero-initialised, so
/// training starts from ẑ = z), and an accessory multi-label head on the mean of raw z.
public final class MoCLIPStudent: Module {
    /// `h`: Linear D→D, GELU, Linear D→D.
    final class Alignment: Module {
        let fc1: Linear
        let fc2: Linear
        init(_ dim: Int) throws {
            fc1 = try Linear(dim, dim)
            fc2 = try Linear(dim, dim)
            try fc2.weight.assign(Tensor.zeros([dim, dim]))
            try fc2.bias!.assign(Tensor.zeros([dim]))
        }
        func callAsFunction(_ z: Tensor) throws -> Tensor { try fc2(fc1(z).gelu()) }
    }

    /// Linear D→256, GELU, Linear 256→K.
    final class Head: Module {
        let fc1: Linear
        let fc2: Linear
        init(_ dim: Int, _ classes: Int) throws {
            fc1 = try Linear(dim, 256)
            fc2 = try Linear(256, classes)
        }
        func callAsFunction(_ x: Tensor) throws -> Tensor { try fc2(fc1(x).gelu()) }
    }

    let encoder: CLIPVision
    let align: Alignment
    let head: Head
    /// Residual scale α.
    public let alpha: Double

    public init(config: CLIPVision.Config, classes: Int, alpha: Double = 0.1) throws {
        encoder = try CLIPVision(config)
        align = try Alignment(config.output)
        head = try Head(config.output, classes)
        self.alpha = alpha
    }

    /// Starts the encoder from the teacher's weights (the student is a copy of CLIP).
    public func initialise(fromTeacher teacher: CLIPVision) throws {
        try encoder.load(teacher.stateDict())
    }

    /// Raw motion embeddings z (N, D) of flow images (N, 3, 224, 224) — what TFAM consumes.
    public func embed(_ images: Tensor) throws -> Tensor { try encoder(images) }

    /// ẑ = z + α·h(z).
    public func aligned(_ z: Tensor) throws -> Tensor { try z + align(z) * alpha }

    /// Logits of the accessory head for segments: z (S, T, D) → mean over T → (S, K).
    public func classify(_ z: Tensor) throws -> Tensor { try head(z.mean([1])) }

    /// The training loss: mean(1 − cos(ẑ_t, z_t^image)) + BCE(head(mean z), y), and the mean cosine.
    /// `z` and `teacher` are (S, T, D); `labels` (S, K); `posWeight` (K) optional.
    public func loss(z: Tensor, teacher: Tensor, labels: Tensor, posWeight: Tensor?) throws -> (loss: Tensor, cosine: Tensor) {
        let cosine = try F.cosineSimilarity(aligned(z), teacher, dim: 2)
        let distill = try (1 - cosine).mean()
        let bce = try F.binaryCrossEntropyWithLogits(classify(z), labels, posWeight: posWeight)
        return (try distill + bce, try cosine.mean())
    }
}
