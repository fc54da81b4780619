/// How a stage stores its payload (DESIGN.md §5b): chosen per stage with `storage:` / `--storage`,
/// entering the stage's params (so its fingerprint) and recorded in every shard's `storage` attribute.
/// Whatever the profile, readers get arrays of the same shape and dtype back: the filters are HDF5's
/// (shuffle, the built-in zstd, Fletcher-32), flow rounding happens before the rows are written, and
/// `compact`'s JPEG frames are decoded by `ShardReader.readFrames`.
public enum StorageProfile: Sendable, Hashable, CustomStringConvertible {
    /// The default. Frames bit-identical, zstd over 16-frame chunks (`frameCompression`); flow fields rounded at
    /// k = 10 (`FlowRounding`: no coarser than float16 itself at the field's largest vector), then
    /// shuffled and zstd-compressed four fields a chunk (`flowCompression`). Store codes the chunks itself,
    /// outside the HDF5 lock (`ZstdChunkCoder`); h5py reads them after `import hdf5plugin`.
    case exact
    /// Frames as one JPEG blob each (`JPEGSettings`, default quality 95, 4:2:0) in a `frames_jpeg` byte
    /// dataset with `frames_jpeg_offsets`, decoded by `ShardReader.readFrames` (and Pillow in Python); flow
    /// rounded at k = 8 (no value moves more than 1/512 of its field's largest binade: ≤ 0.031 px while the largest
    /// vector is under 32 px) then shuffled and zstd-compressed four fields a chunk (`compactFlowCompression`, faster than exact's).
    case compact(JPEGSettings)
    /// The layout of schema 1's first writers: one frame or field per chunk, no compression, flow
    /// unrounded; plain h5py reads it with no plugin.
    case raw

    /// The profile stages use when none is given.
    public static let `default` = StorageProfile.exact

    /// The profile names, as `--storage` takes them.
    public static let names = ["exact", "compact", "raw"]

    /// The zstd of `exact` frames: level 1's fast strategy with a 2^17-entry hash table and 5-byte
    /// matches. Measured on Big Buck Bunny cut to 640×360 clips, 16-frame chunks, one core (bench/storage.sh,
    /// 2026-12-07): 1.809× at 164–178 MB/s, where level 3 gives 1.805× at 110–119 MB/s, level 1 1.52×
    /// at 266–310 MB/s, level 4 1.87× at 99 MB/s; with it vimo-decode keeps 0.69–0.76× of raw's speed (level 3
    /// coded outside the HDF5 lock: 0.67×).
    public static let frameCompression = Compression.zstd(level: 1, tuning: ZstdTuning(strategy: .fast, hashLog: 17, minMatch: 5))

    /// Frames per chunk under `exact`: 16 (2.4 MB chunks) compress 1.82× where 8 give 1.77× and 1 far less.
    public static let framesPerChunk = 16

    /// The zstd of `exact` flow (after shuffle): level 5 with the lazy strategy, a 2^16-entry
    /// hash table and 4-byte matches. Measured on DIS flow of the same clips rounded at k = 10, four fields
    /// a chunk, one core: 3.604× at 56–59 MB/s, where level 5 gives 3.501× at 68–76 MB/s, level 6 3.588× at
    /// 54 MB/s, level 7 3.607× at 45 MB/s, level 3 3.32× at 125–134 MB/s.
    public static let flowCompression = Compression.zstd(level: 5, tuning: ZstdTuning(strategy: .lazy, hashLog: 16, minMatch: 4))

    /// The zstd of `compact` flow, whose k = 8 rounding leaves less to find: level 3 (dfast) with a 2^16-entry
    /// hash table and 4-byte matches. Same footage, one core: 5.31× at 226 MB/s, where level 3 gives 5.37× at
    /// 176 MB/s and `flowCompression` 5.95× at 67 MB/s; compact is the profile chosen for speed and size
    /// together, and its frames and flow stay 6.1× smaller than raw with it.
    public static let compactFlowCompression = Compression.zstd(level: 3, tuning: ZstdTuning(hashLog: 16, minMatch: 4))

    /// Flow fields per chunk under `exact`: 4 (800 KB chunks); one a chunk gives 3.40× at level 5.
    public static let fieldsPerChunk = 4

    /// The profile's name: `exact`, `compact` or `raw`.
    public var name: String {
        switch self {
        case .exact: return "exact"
        case .compact: return "compact"
        case .raw: return "raw"
        }
    }

    /// The spelling `--storage` takes, canonical (so it can enter the fingerprint): the name, and for
    /// `compact` the JPEG settings that differ from the default, e.g. `compact:quality=90,subsampling=444`.
    public var description: String {
        guard case .compact(let jpeg) = self else { return name }
        var changed: [String] = []
        if jpeg.quality != JPEGSettings.default.quality { changed.append("quality=\(jpeg.quality)") }
        if jpeg.subsampling != JPEGSettings.default.subsampling { changed.append("subsampling=\(jpeg.subsampling.rawValue)") }
        return changed.isEmpty ? name : name + ":" + changed.joined(separator: ",")
    }

    /// Parses `exact`, `raw`, or `compact` optionally followed by `:quality=Q` (1…100) and/or
    /// `subsampling=444|420`, comma-separated; errors list what is accepted.
    public init(parsing text: String) throws {
        let (name, options) = text.firstIndex(of: ":").map { (String(text[..<$0]), String(text[text.index(after: $0)...])) } ?? (text, nil)
        switch (name, options) {
        case ("exact", nil): self = .exact
        case ("raw", nil): self = .raw
        case ("compact", let options):
            var jpeg = JPEGSettings.default
            for option in options?.split(separator: ",", omittingEmptySubsequences: false) ?? [] {
                let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
                switch (parts.first, parts.count == 2 ? parts[1] : nil) {
                case ("quality", let value?):
                    guard let q = Int(value), (1...100).contains(q) else {
                        throw StoreError.invalidStorage(spec: text, detail: "quality must be a whole number from 1 to 100")
                    }
                    jpeg.quality = q
                case ("subsampling", let value?):
                    guard let sampling = JPEGSettings.Subsampling(rawValue: value) else {
                        throw StoreError.invalidStorage(spec: text, detail: "subsampling must be 444 or 420")
                    }
                    jpeg.subsampling = sampling
                default:
                    throw StoreError.invalidStorage(spec: text, detail: "compact takes quality=1…100 and subsampling=444|420, "
                        + "comma-separated (compact:quality=90,subsampling=444)")
                }
            }
            self = .compact(jpeg)
        default:
            throw StoreError.invalidStorage(spec: text, detail: "expected one of " + Self.names.joined(separator: ", ")
                + " (compact optionally as compact:quality=Q,subsampling=444|420)")
        }
    }

    /// The filters and chunking of `payload`'s dataset under this profile. Embeddings and
    /// frame-index-only shards are small and stay unfiltered in every profile.
    public func layout(for payload: Payload) -> ShardLayout {
        switch (self, payload) {
        case (.raw, _), (_, .embeddings), (_, .scores), (_, .none):
            return ShardLayout(compression: .none)
        case (.exact, .frames):
            return ShardLayout(compression: Self.frameCompression, rowsPerChunk: Self.framesPerChunk)
        case (.compact(let jpeg), .frames):
            return ShardLayout(jpeg: jpeg)
        case (.exact, .flow):
            return ShardLayout(compression: Self.flowCompression, rowsPerChunk: Self.fieldsPerChunk)
        case (.compact, .flow):
            return ShardLayout(compression: Self.compactFlowCompression, rowsPerChunk: Self.fieldsPerChunk)
        }
    }

    /// The `k` of `FlowRounding` for flow written under this profile, nil for unrounded.
    public var flowRoundingBits: Int? {
        switch self {
        case .exact: return FlowRounding.exactBits
        case .compact: return FlowRounding.compactBits
        case .raw: return nil
        }
    }

    /// The text of the shards' `storage` attribute: the profile, for flow its rounding and for `compact`
    /// frames their JPEG settings, e.g. `exact` for frames, `exact;flow_rounding_bits=10` for flow,
    /// `compact;jpeg_quality=95;jpeg_subsampling=420` for compact frames.
    public func attribute(for payload: Payload) -> String {
        switch (self, payload) {
        case (.compact(let jpeg), .frames):
            return "\(name);jpeg_quality=\(jpeg.quality);jpeg_subsampling=\(jpeg.subsampling.rawValue)"
        case (_, .flow):
            guard let bits = flowRoundingBits else { return name }
            return "\(name);flow_rounding_bits=\(bits)"
        default:
            return name
        }
    }
}

/// The filters and chunking of one shard's payload dataset.
public struct ShardLayout: Sendable, Equatable {
    /// The compression filters (before the Fletcher-32 checksum).
    public var compression: Compression
    /// Rows per chunk; nil for the payload's own choice (`Payload.rowsPerChunk`).
    public var rowsPerChunk: Int?
    /// Frames only: coded as one JPEG blob each (`frames_jpeg` + `frames_jpeg_offsets`) instead of
    /// a `frames` dataset; nil for pixels as they are.
    public var jpeg: JPEGSettings?

    /// A layout of `compression` and, optionally, a chunk height.
    public init(compression: Compression = .none, rowsPerChunk: Int? = nil) {
        self.compression = compression
        self.rowsPerChunk = rowsPerChunk
    }

    /// The layout of JPEG-coded frames (the blobs are checksummed, not compressed again).
    public init(jpeg: JPEGSettings) {
        self.compression = .none
        self.jpeg = jpeg
    }
}
