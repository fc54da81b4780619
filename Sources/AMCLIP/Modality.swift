/// What each sampled index becomes in the model's input.
public enum Modality: String, Sendable, Equatable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The RGB frame at each index: P images.
    case rgb
    /// The colour-coded flow field at each index: P images.
    case flow
    /// Frame and flow image per index, interleaved [I_s1, F_s1, I_s2, F_s2, …]: 2P images.
    case rgbFlow = "rgb+flow"

    public var description: String { rawValue }

    /// Images per sampled index (1, or 2 for rgb+flow).
    public var imagesPerIndex: Int { self == .rgbFlow ? 2 : 1 }

    /// X-CLIP's `num_frames` for P indices per classifier: P, or 2P for rgb+flow.
    public func modelFrames(indices: Int) -> Int { imagesPerIndex * indices }

    /// Whether clips need the video's flow rows.
    public var needsFlow: Bool { self != .rgb }

    /// Whether clips need the video's decoded frames.
    public var needsFrames: Bool { self != .flow }

    /// L, the size of the index space the sampler draws from, for a video of `frames` decoded frames.
    ///
    /// With flow: the N − 1 flow fields (field s runs from frame s to frame s + 1, and rgb+flow pairs it with
    /// frame s). RGB alone samples the same N − 1 starting frames, so rgb and rgb+flow runs with one seed see
    /// the same frames and differ only by the flow images; a one-frame video gives RGB its single frame (L = 1).
    /// Throws `ClipError.noFlow` when flow is needed and the video has fewer than 2 frames, and
    /// `ClipError.noFrames` for a video with none.
    public func indexCount(frames: Int, video: String) throws -> Int {
        guard frames >= 1 else { throw ClipError.noFrames(video: video) }
        if needsFlow {
            guard frames >= 2 else { throw ClipError.noFlow(video: video, frames: frames, modality: self) }
            return frames - 1
        }
        return max(frames - 1, 1)
    }
}
