import Foundation
import Torch

/// RAFT optical flow (Teed & Deng 2020) with torchvision's module layout, so
/// `raft_large` / `raft_small` state dicts load unchanged (`RAFTWeights` maps the
/// original princeton-vl names too). Inputs are RGB in [-1, 1], (N, 3, H, W), H and W
/// multiples of 8 (`RAFT.prepare` pads); outputs are flow in pixels, (N, 2, H, W).
public final class RAFT: Module {
    /// The two published configurations.
    public enum Variant: String, Sendable, CaseIterable {
        case large, small
    }

    public let variant: Variant
    let feature_encoder: FeatureEncoder
    let context_encoder: FeatureEncoder
    let update_block: UpdateBlock
    let mask_predictor: MaskPredictor?
    let levels = 4
    let radius: Int
    let hiddenSize: Int

    public init(_ variant: Variant) throws {
        self.variant = variant
        switch variant {
        case .large:
            feature_encoder = try FeatureEncoder(layers: [64, 64, 96, 128, 256], bottleneck: false, norm: .instance)
            context_encoder = try FeatureEncoder(layers: [64, 64, 96, 128, 256], bottleneck: false, norm: .batch)
            radius = 4
            hiddenSize = 128
            update_block = try UpdateBlock(corrChannels: 4 * 81, corrLayers: [256, 192], flowLayers: [128, 64],
                                           motionOut: 128, context: 256 - 128, hidden: 128, separable: true, headHidden: 256)
            mask_predictor = try MaskPredictor(inChannels: 128, hidden: 256)
        case .small:
            feature_encoder = try FeatureEncoder(layers: [32, 32, 64, 96, 128], bottleneck: true, norm: .instance)
            context_encoder = try FeatureEncoder(layers: [32, 32, 64, 96, 160], bottleneck: true, norm: .none)
            radius = 3
            hiddenSize = 96
            update_block = try UpdateBlock(corrChannels: 4 * 49, corrLayers: [96], flowLayers: [64, 32],
                                           motionOut: 82, context: 160 - 96, hidden: 96, separable: false, headHidden: 128)
            mask_predictor = nil
        }
        super.init()
        eval()
    }

    /// Flow from `image1` to `image2` after `iterations` refinement steps (torchvision default 12).
    public func callAsFunction(_ image1: Tensor, _ image2: Tensor, iterations: Int = 12) throws -> Tensor {
        let n = image1.shape[0]
        let features = try feature_encoder(Tensor.cat([image1, image2], dim: 0))
        return try refine(features1: features.slice(0, 0, n), features2: features.slice(0, n, 2 * n),
                          context: context_encoder(image1), iterations: iterations)
    }

    /// Flow for every consecutive pair of `frames` (T, 3, H, W) → (T−1, 2, H, W), computed
    /// `batch` pairs at a time. Each frame goes through the feature and context encoders once
    /// (torchvision's per-pair call encodes every inner frame twice); results are the same
    /// because both encoders treat every image independently (instance norm, and batch norm
    /// in evaluation mode). Within a pair, the context's share of the GRU convolutions is
    /// computed once instead of at every update (see `ConvGRU`).
    public func videoFlow(_ frames: Tensor, iterations: Int = 12, batch: Int = 8,
                          progress: ((Int, Int) -> Void)? = nil) throws -> Tensor {
        let t = frames.shape[0]
        guard t >= 2 else { return try Tensor.zeros([0, 2] + frames.shape.dropFirst(2)) }
        var outputs: [Tensor] = []
        var previous: Tensor? = nil   // features of the first frame of the next chunk
        var start = 0
        while start < t - 1 {
            let end = Swift.min(start + batch, t - 1)          // pairs start..<end use frames start...end
            let fresh = try feature_encoder(frames.slice(0, previous == nil ? start : start + 1, end + 1))
            let features = previous.map { try? Tensor.cat([$0, fresh], dim: 0) } ?? fresh
            guard let features else { throw TorchError.invalidArgument("feature concatenation failed") }
            let count = end - start
            let context = try context_encoder(frames.slice(0, start, end))
            outputs.append(try refine(features1: features.slice(0, 0, count), features2: features.slice(0, 1, count + 1),
                                      context: context, iterations: iterations))
            previous = try features.slice(0, count, count + 1)
            start = end
            progress?(start, t - 1)
        }
        return try Tensor.cat(outputs, dim: 0)
    }

    /// The iterative part: correlation pyramid, GRU updates, upsampling of the last estimate.
    func refine(features1: Tensor, features2: Tensor, context contextOut: Tensor, iterations: Int) throws -> Tensor {
        let pyramid = try CorrelationPyramid(features1, features2, levels: levels, radius: radius)
        let hidden0 = try contextOut.slice(1, 0, hiddenSize).tanh()
        let context = try contextOut.slice(1, hiddenSize, contextOut.shape[1]).relu()
        let (n, h, w) = (features1.shape[0], features1.shape[2], features1.shape[3])
        let coords0 = try Self.coordinateGrid(batch: n, height: h, width: w)
        var coords1 = coords0
        var hidden = hidden0
        let prepared = try update_block.prepare(context: context, hidden: hiddenSize)
        for _ in 0..<iterations {
            let corr = try pyramid.lookup(coords1)
            let flow = try coords1 - coords0
            let (newHidden, delta) = try update_block(hidden: hidden, prepared: prepared, correlation: corr, flow: flow)
            hidden = newHidden
            coords1 = try coords1 + delta
        }
        // torchvision upsamples after every update; only the last estimate is returned, so only it is upsampled.
        return try Self.upsample(coords1 - coords0, mask: mask_predictor.map { try $0(hidden) })
    }

    /// (N, 2, H, W) pixel coordinates, x then y.
    static func coordinateGrid(batch: Int, height: Int, width: Int) throws -> Tensor {
        let xs = try Tensor.arange(0, Double(width), dtype: .float32).reshaped([1, width]).expanded([height, width])
        let ys = try Tensor.arange(0, Double(height), dtype: .float32).reshaped([height, 1]).expanded([height, width])
        return try Tensor.stack([xs, ys], dim: 0).unsqueezed(0).repeated([batch, 1, 1, 1])
    }

    /// ×8 upsampling: convex combination of 3×3 neighbours with the predicted mask (large),
    /// or bilinear interpolation (small).
    static func upsample(_ flow: Tensor, mask: Tensor?) throws -> Tensor {
        let (n, h, w) = (flow.shape[0], flow.shape[2], flow.shape[3])
        guard let mask else {
            return try F.interpolate(flow, size: (8 * h, 8 * w), alignCorners: true) * 8
        }
        let weights = try F.softmax(mask.reshaped([n, 1, 9, 8, 8, h, w]), dim: 2)
        let neighbours = try F.unfold(flow * 8, kernel: (3, 3), padding: (1, 1)).reshaped([n, 2, 9, 1, 1, h, w])
        return try (weights * neighbours).sum([2]).permuted([0, 1, 4, 2, 5, 3]).reshaped([n, 2, 8 * h, 8 * w])
    }

    /// uint8 frames (T, H, W, 3) → float (T, 3, H', W') in [-1, 1], replicate-padded to multiples
    /// of 8 as the original RAFT's InputPadder does. Returns the padding to undo with `unpad`.
    public static func prepare(_ frames: Tensor) throws -> (images: Tensor, padding: [Int]) {
        let (h, w) = (frames.shape[1], frames.shape[2])
        let padH = (8 - h % 8) % 8, padW = (8 - w % 8) % 8
        let images = try (frames.permuted([0, 3, 1, 2]).to(.float32) / 255 - 0.5) / 0.5
        let padding = [padW / 2, padW - padW / 2, padH / 2, padH - padH / 2]
        guard padH + padW > 0 else { return (images, padding) }
        return (try images.padded(padding, mode: .replicate), padding)
    }

    /// Crops padded flow back to the input size.
    public static func unpad(_ flow: Tensor, padding: [Int]) throws -> Tensor {
        let (h, w) = (flow.shape[2], flow.shape[3])
        return try flow.slice(2, padding[2], h - padding[3]).slice(3, padding[0], w - padding[1])
    }
}

/// All-pairs correlation of two feature maps, average-pooled into a pyramid, looked up
/// in a (2r+1)² window around each pixel's current match at every level.
struct CorrelationPyramid {
    let levels: [Tensor]     // (N·H·W, 1, H/2^l, W/2^l)
    let radius: Int
    let shape: (n: Int, h: Int, w: Int)
    let delta: Tensor        // (1, 2r+1, 2r+1, 2)

    init(_ f1: Tensor, _ f2: Tensor, levels count: Int, radius: Int) throws {
        let (n, c, h, w) = (f1.shape[0], f1.shape[1], f1.shape[2], f1.shape[3])
        let a = try f1.reshaped([n, c, h * w]).transposed(1, 2)
        let b = try f2.reshaped([n, c, h * w])
        var volume = try (F.matmul(a, b) / Foundation.sqrt(Double(c))).reshaped([n * h * w, 1, h, w])
        var levels = [volume]
        for _ in 1..<count {
            volume = try F.avgPool2d(volume, kernel: (2, 2), stride: (2, 2))
            levels.append(volume)
        }
        self.levels = levels
        self.radius = radius
        shape = (n, h, w)
        let side = 2 * radius + 1
        let offsets = try Tensor.arange(Double(-radius), Double(radius + 1), dtype: .float32)
        let di = try offsets.reshaped([side, 1]).expanded([side, side])
        let dj = try offsets.reshaped([1, side]).expanded([side, side])
        delta = try Tensor.stack([di, dj], dim: -1).reshaped([1, side, side, 2])
    }

    /// Correlation features (N, levels·(2r+1)², H, W) around `coords` (N, 2, H, W).
    func lookup(_ coords: Tensor) throws -> Tensor {
        let (n, h, w) = shape
        var centroids = try coords.permuted([0, 2, 3, 1]).reshaped([n * h * w, 1, 1, 2])
        var sampled: [Tensor] = []
        for volume in levels {
            let (vh, vw) = (Double(volume.shape[2]), Double(volume.shape[3]))
            let grid = try centroids + delta
            // Absolute pixel coordinates → [-1, 1] with align_corners semantics.
            let x = try grid.slice(3, 0, 1) * 2 / (vw - 1) - 1
            let y = try grid.slice(3, 1, 2) * 2 / (vh - 1) - 1
            let normalized = try Tensor.cat([x, y], dim: 3)
            sampled.append(try F.gridSample(volume, grid: normalized, alignCorners: true).reshaped([n, h, w, -1]))
            centroids = try centroids / 2
        }
        return try Tensor.cat(sampled, dim: -1).permuted([0, 3, 1, 2]).contiguous()
    }
}
