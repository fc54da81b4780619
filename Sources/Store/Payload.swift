/// What each row of a shard holds: the one wide payload dataset of DESIGN.md §3.
public enum Payload: Sendable, Equatable {
    /// uint8 frames, dataset `frames` of shape (N, height, width, channels), one frame per chunk.
    case frames(height: Int, width: Int, channels: Int)
    /// float16 optical flow, dataset `flow` of shape (N, 2, height, width), one field per chunk.
    case flow(height: Int, width: Int)
    /// float32 embeddings, dataset `embeddings` of shape (N, dim), chunks of about 1 MiB of rows.
    case embeddings(dim: Int)
    /// float32 class scores, dataset `scores` of shape (V, classes): one row per video (vimo-tfam
    /// predict, vimo-amclip predict and zero-shot). Shards written before this case held them as
    /// `embeddings`; `ShardReader.readScores` reads both.
    case scores(classes: Int)
    /// No payload dataset: rows carry only their `frame_index`.
    case none

    /// Bytes of one row in the on-disk dtype (uint8, IEEE half, float32); 0 for `.none`.
    public var rowByteCount: Int {
        rowShape.reduce(1, *) * elementByteCount
    }

    /// The names a payload dataset can have, one per kind, and `frames_jpeg` (a `compact` shard's frames).
    static let datasetNames = ["frames", "flow", "embeddings", "scores", JPEGLayout.blobs]

    /// Name of the payload dataset, nil for `.none`.
    var datasetName: String? {
        switch self {
        case .frames: return "frames"
        case .flow: return "flow"
        case .embeddings: return "embeddings"
        case .scores: return "scores"
        case .none: return nil
        }
    }

    /// Shape of one row (the dataset shape without its leading N).
    var rowShape: [Int] {
        switch self {
        case .frames(let height, let width, let channels): return [height, width, channels]
        case .flow(let height, let width): return [2, height, width]
        case .embeddings(let dim): return [dim]
        case .scores(let classes): return [classes]
        case .none: return []
        }
    }

    /// Bytes per element in the on-disk dtype.
    var elementByteCount: Int {
        switch self {
        case .frames: return 1
        case .flow: return 2
        case .embeddings, .scores: return 4
        case .none: return 0
        }
    }

    /// Rows per chunk: frames and flow fields are read one at a time, so one per chunk;
    /// embeddings are tiny rows read in bulk, so about 1 MiB of them per chunk.
    var rowsPerChunk: Int {
        switch self {
        case .frames, .flow, .none: return 1
        case .embeddings, .scores: return max(1, (1 << 20) / max(1, rowByteCount))
        }
    }

    /// A human name for error messages, e.g. "frames (224×224×3)".
    public var summary: String {
        switch self {
        case .none: return "no payload"
        default: return "\(datasetName!) (\(rowShape.map(String.init).joined(separator: "×")))"
        }
    }
}
