import Models
import Torch

/// The X-CLIP shape AnimalMotionCLIP clips need: one MIT position per image of a clip.
public enum ModelFrames {
    /// `base` with `num_frames` = `modality.modelFrames(indices:)` (P, or 2P for rgb+flow), so the MIT's
    /// position embedding has one row per image.
    public static func config(_ base: XCLIP.Config, modality: Modality, indices: Int) -> XCLIP.Config {
        var config = base
        config.frames = modality.modelFrames(indices: indices)
        return config
    }

    /// A loaded model whose MIT has `frames` positions: itself when it already has, else a copy whose
    /// `mit.positional_embedding` (1, T, D) is resampled to (1, frames, D) by linear interpolation along time
    /// with the end positions kept (align_corners; one position is repeated), every other tensor copied.
    /// Interpolation keeps the learned order of positions instead of discarding it (published X-CLIP weights
    /// have 8, 16 or 32 positions; 2P rarely matches); the positions are trained further with the MIT anyway.
    /// The copy is built on the CPU in float32: call before moving the model to a device or dtype.
    public static func adapt(_ loaded: XCLIPWeights.Loaded, frames: Int) throws -> XCLIPWeights.Loaded {
        let old = loaded.model.config.frames
        guard frames != old else { return loaded }
        guard frames >= 1 else { throw TorchError.invalidArgument("X-CLIP needs at least one frame per video, not \(frames)") }
        var config = loaded.model.config
        config.frames = frames
        config.name += " (MIT positions \(old)→\(frames))"
        var weights = loaded.model.stateDict()
        guard let positions = weights[positionsKey] else {
            throw TorchError.checkpointMismatch(missing: [positionsKey], unexpected: [], mismatched: [])
        }
        weights[positionsKey] = try resampled(positions, to: frames)
        let model = try XCLIP(config)
        try model.load(weights)
        return XCLIPWeights.Loaded(model: model, normalization: loaded.normalization)
    }

    /// (1, T, D) positions → (1, frames, D), linear along T with the ends kept.
    public static func resampled(_ positions: Tensor, to frames: Int) throws -> Tensor {
        let shape = positions.shape
        guard shape.count == 3, shape[0] == 1, shape[1] >= 1 else {
            throw TorchError.invalidArgument("MIT positions of shape \(shape): (1, T, D) expected")
        }
        let grid = try positions.to(.float32).permuted([0, 2, 1]).unsqueezed(2)  // (1, D, 1, T)
        let resized = try F.interpolate(grid, size: (1, frames), alignCorners: true)  // (1, D, 1, frames)
        return try resized.squeezed(2).permuted([0, 2, 1]).contiguous().to(positions.dtype)
    }

    /// The MIT position embedding's name in `XCLIP`'s (VideoX's) layout.
    public static let positionsKey = "mit.positional_embedding"
}
