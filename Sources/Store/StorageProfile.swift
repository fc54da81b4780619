/// How a stage stores its payload (DESIGN.md §5b): chosen per stage with `storage:` / `--storage`,
/// entering the stage's params (so its fingerprint) and recorded in every shard's `storage` attribute.
/// Whatever the profile, readers get the same arrays back: the filters are HDF5's (shuffle,
/// the built-in zstd, Fletcher-32) and flow rounding happens before the rows are written.
public enum StorageProfile: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The default. Frames bit-identical, zstd level 3 over 16-frame chunks; flow fields rounded at
    /// k = 10 (`FlowRounding`: no coarser than float16 itself at the field's largest vector), then
    /// shuffled and zstd-compressed at level 5, four fields a chunk. h5py reads it after `import hdf5plugin`.
    case exact
    /// The layout of schema 1's first writers: one frame or field per chunk, no compression, flow
    /// unrounded; plain h5py reads it with no plugin.
    case raw

    /// The profile stages use when none is given.
    public static let `default` = StorageProfile.exact

    /// The zstd level of `exact` frames. Measured on Big Buck Bunny cut to 640×360 clips (bench/storage.sh,
    /// one core): level 3 over 16-frame chunks 1.82× at 212 MB/s; level 1 1.53× at 416 MB/s; level 4 1.88× at 178 MB/s.
    public static let frameZstdLevel = 3

    /// Frames per chunk under `exact`: 16 (2.4 MB chunks) compress 1.82× where 8 give 1.77× and 1 far less.
    public static let framesPerChunk = 16

    /// The zstd level of `exact` flow (after shuffle). Measured on DIS flow of the same clips, rounded
    /// at k = 10, four fields a chunk: level 5 3.51× at 141 MB/s; level 3 3.33× at 248 MB/s; level 6 3.61× at 104 MB/s.
    public static let flowZstdLevel = 5

    /// Flow fields per chunk under `exact`: 4 (800 KB chunks); one a chunk gives 3.40× at level 5.
    public static let fieldsPerChunk = 4

    /// The spelling `--storage` takes.
    public var description: String { rawValue }

    /// Parses `exact` or `raw`, with an error that lists them.
    public init(parsing text: String) throws {
        guard let profile = StorageProfile(rawValue: text) else {
            throw StoreError.invalidStorage(spec: text, detail: "expected one of "
                + StorageProfile.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self = profile
    }

    /// The filters and chunking of `payload`'s dataset under this profile. Embeddings and
    /// frame-index-only shards are small and stay unfiltered in every profile.
    public func layout(for payload: Payload) -> ShardLayout {
        switch (self, payload) {
        case (.raw, _), (_, .embeddings), (_, .scores), (_, .none):
            return ShardLayout(compression: .none)
        case (.exact, .frames):
            return ShardLayout(compression: .zstd(level: Self.frameZstdLevel), rowsPerChunk: Self.framesPerChunk)
        case (.exact, .flow):
            return ShardLayout(compression: .zstd(level: Self.flowZstdLevel), rowsPerChunk: Self.fieldsPerChunk)
        }
    }

    /// The `k` of `FlowRounding` for flow written under this profile, nil for unrounded.
    public var flowRoundingBits: Int? {
        switch self {
        case .exact: return FlowRounding.exactBits
        case .raw: return nil
        }
    }

    /// The text of the shards' `storage` attribute: the profile, and for flow its rounding,
    /// e.g. `exact` for frames and `exact;flow_rounding_bits=10` for flow.
    public func attribute(for payload: Payload) -> String {
        guard case .flow = payload, let bits = flowRoundingBits else { return rawValue }
        return "\(rawValue);flow_rounding_bits=\(bits)"
    }
}

/// The filters and chunking of one shard's payload dataset.
public struct ShardLayout: Sendable, Equatable {
    /// The compression filters (before the Fletcher-32 checksum).
    public var compression: Compression
    /// Rows per chunk; nil for the payload's own choice (`Payload.rowsPerChunk`).
    public var rowsPerChunk: Int?

    /// A layout of `compression` and, optionally, a chunk height.
    public init(compression: Compression = .none, rowsPerChunk: Int? = nil) {
        self.compression = compression
        self.rowsPerChunk = rowsPerChunk
    }
}
