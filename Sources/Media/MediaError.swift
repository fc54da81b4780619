import CFFmpeg
import Foundation

/// Why a video could not be read or written. Every case names the file, so a
/// report over 30,000 videos says which one failed and how.
public enum MediaError: Error, LocalizedError, Sendable, Equatable {
    /// FFmpeg could not open or recognise the file (missing, empty, not a media file, truncated header).
    case unreadable(path: String, reason: String)
    /// The container has no video stream (an audio-only file, say).
    case noVideoStream(path: String)
    /// The video codec has no decoder in this FFmpeg build.
    case decoderUnavailable(path: String, codec: String)
    /// Decoding failed part-way in a way that could not be skipped.
    case decodeFailed(path: String, reason: String)
    /// The file opened but not a single frame could be decoded.
    case noFrames(path: String)
    /// Writing a video failed.
    case encodeFailed(path: String, reason: String)
    /// A frame selection string or value that makes no sense.
    case invalidSelection(String)
    /// The scaler could not be set up for this input.
    case scalerFailed(path: String, reason: String)
    /// A folder of frame images that cannot be read as one sequence (missing, empty,
    /// no numbered images, several numbering patterns, or a pattern that matches nothing).
    case invalidImageSequence(folder: String, reason: String)
    /// A frame file is missing inside a numbered sequence (FFmpeg's image2 demuxer would stop there silently).
    case missingFrameFile(folder: String, file: String)

    /// What went wrong, naming the file or folder.
    public var errorDescription: String? {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot open as a video: \(reason)"
        case .noVideoStream(let path): return "\(path): no video stream (audio-only or not a video file)"
        case .decoderUnavailable(let path, let codec): return "\(path): no decoder for codec '\(codec)' in this FFmpeg"
        case .decodeFailed(let path, let reason): return "\(path): decoding failed: \(reason)"
        case .noFrames(let path): return "\(path): no frame could be decoded"
        case .encodeFailed(let path, let reason): return "\(path): encoding failed: \(reason)"
        case .invalidSelection(let text): return "invalid frame selection: \(text)"
        case .scalerFailed(let path, let reason): return "\(path): cannot scale frames: \(reason)"
        case .invalidImageSequence(let folder, let reason): return "\(folder): not a frame-image folder: \(reason)"
        case .missingFrameFile(let folder, let file):
            return "\(folder): frame file \(file) is missing; the numbered frames must have no gaps"
        }
    }
}

/// FFmpeg's text for an error code (av_strerror), used in every MediaError.
func ffmpegErrorText(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    if av_strerror(code, &buffer, buffer.count) < 0 { return "FFmpeg error \(code)" }
    return String(cString: buffer)
}

/// Libraries never print: silence FFmpeg's logger once, before any FFmpeg call.
/// Errors still reach callers through return codes turned into MediaError.
let silenceFFmpegLog: Void = { av_log_set_level(AV_LOG_QUIET) }()
