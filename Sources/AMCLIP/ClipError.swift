import Foundation

/// Why one video cannot become a clip (an item problem: the caller reports it and goes on), or why a cache
/// folder cannot feed clips at all. Every case names the video or the folder.
public enum ClipError: Error, Equatable, LocalizedError {
    /// The decode folder has rows for the video but none of them (zero frames).
    case noFrames(video: String)
    /// A one-frame video has no flow field, so flow and rgb+flow clips cannot be made.
    case noFlow(video: String, frames: Int, modality: Modality)
    /// The video is not in the folder.
    case missing(video: String, folder: String)
    /// The flow folder's field count for the video is not its decode frame count − 1.
    case flowCountMismatch(video: String, frames: Int, fields: Int, folder: String)
    /// The folder does not hold what it should (RGB frames, flow fields), or frames and flow differ in size.
    case unusableFolder(String)
    /// A flow field with NaN or infinite values (the colour coding would draw them as still pixels).
    case nonFiniteFlow(video: String, field: Int, values: Int)
    /// Rows handed to `ClipBuilder` whose sizes do not match their indices and shape.
    case badRows(video: String, detail: String)

    public var errorDescription: String? {
        switch self {
        case .noFrames(let video):
            return "\(video): the decode folder holds no frames for this video"
        case .noFlow(let video, let frames, let modality):
            return "\(video): \(frames) frame, so no flow field (flow needs 2 frames); \(modality) clips cannot be made for it "
                + "(rgb clips can)"
        case .missing(let video, let folder):
            return "\(video) is not in \(folder)"
        case .flowCountMismatch(let video, let frames, let fields, let folder):
            return "\(video): \(folder) holds \(fields) flow fields but the decode folder has \(frames) frames (expected \(frames - 1)); "
                + "the flow folder was computed from other frames: recompute it from this decode folder"
        case .unusableFolder(let reason):
            return reason
        case .nonFiniteFlow(let video, let field, let values):
            return "\(video): flow field \(field) holds \(values) NaN or infinite values; the flow shard is damaged: recompute it "
                + "(vimo verify sets damaged shards aside)"
        case .badRows(let video, let detail):
            return "\(video): \(detail)"
        }
    }
}
