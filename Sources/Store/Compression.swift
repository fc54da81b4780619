import CHDF5

/// How the payload dataset's chunks are compressed (a stage option, DESIGN.md §3).
/// Small datasets (`items`, `offsets`, …) are never compressed.
public enum Compression: Sendable, Equatable, CustomStringConvertible {
    /// Raw chunks.
    case none
    /// Byte shuffle then deflate at `level` 0...9, the pair h5py writes for `compression="gzip", shuffle=True`.
    case gzip(level: Int)
    /// LZ4 through HDF5 filter plugin 32004 (Debian package `hdf5-filter-plugin`).
    case lz4
    /// Byte shuffle then Zstandard at `level` 1...22 (HDF5 filter 32015, built into Store: see
    /// `ZstdFilter`), with some of the level's parameters replaced by `tuning` (the storage profiles'
    /// choice, measured by bench/storage.sh). h5py reads it after `import hdf5plugin`, whatever the
    /// tuning; for uint8 frames the shuffle is a no-op.
    case zstd(level: Int, tuning: ZstdTuning? = nil)

    /// HDF5's registered id of the LZ4 filter plugin.
    static let lz4FilterID: H5Z_filter_t = 32004
    /// HDF5's registered id of the Zstandard filter.
    static let zstdFilterID: H5Z_filter_t = ZstdFilter.id
    /// The level `"gzip"` means, as in h5py.
    static let defaultGzipLevel = 4
    /// The level `"zstd"` means, as in the zstd command line.
    static let defaultZstdLevel = 3

    /// Parses `none`, `gzip`, `gzip:<0-9>`, `lz4`, `zstd`, `zstd:<1-22>` (the form `description` writes).
    public init(parsing spec: String) throws {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let name = parts[0]
        let level: Int?
        if parts.count == 2 {
            guard let parsed = Int(parts[1]) else {
                throw StoreError.invalidCompression(spec: spec, detail: "level '\(parts[1])' is not an integer")
            }
            level = parsed
        } else {
            level = nil
        }
        switch name {
        case "none", "lz4":
            guard level == nil else {
                throw StoreError.invalidCompression(spec: spec, detail: "'\(name)' takes no level")
            }
            self = name == "none" ? .none : .lz4
        case "gzip":
            let level = level ?? Self.defaultGzipLevel
            guard (0...9).contains(level) else {
                throw StoreError.invalidCompression(spec: spec, detail: "gzip level must be 0...9")
            }
            self = .gzip(level: level)
        case "zstd":
            let level = level ?? Self.defaultZstdLevel
            guard (1...22).contains(level) else {
                throw StoreError.invalidCompression(spec: spec, detail: "zstd level must be 1...22")
            }
            self = .zstd(level: level, tuning: nil)
        default:
            throw StoreError.invalidCompression(spec: spec, detail: "expected none, gzip[:level], lz4 or zstd[:level]")
        }
    }

    /// The spec string `init(parsing:)` accepts, with the level spelled out: "gzip:4". A tuned zstd (a
    /// storage profile's, not an option's) adds its parameters: "zstd:1+strategy=fast,hashlog=17,minmatch=5".
    public var description: String {
        switch self {
        case .none: return "none"
        case .gzip(let level): return "gzip:\(level)"
        case .lz4: return "lz4"
        case .zstd(let level, let tuning): return "zstd:\(level)" + (tuning.map { "+\($0)" } ?? "")
        }
    }

    /// Whether this HDF5 can write (and read) with the filter; plugins are looked up in HDF5's
    /// default plugin directory (Debian: /usr/lib/x86_64-linux-gnu/hdf5/serial/plugins) or `$HDF5_PLUGIN_PATH`.
    public var isAvailable: Bool {
        HDF5.serialized {
            filterIDs.allSatisfy { H5Zfilter_avail($0) > 0 }
        }
    }

    /// The filters this compression puts in the pipeline, in order.
    var filterIDs: [H5Z_filter_t] {
        switch self {
        case .none: return []
        case .gzip: return [H5Z_filter_t(H5Z_FILTER_SHUFFLE), H5Z_filter_t(H5Z_FILTER_DEFLATE)]
        case .lz4: return [Self.lz4FilterID]
        case .zstd: return [H5Z_filter_t(H5Z_FILTER_SHUFFLE), Self.zstdFilterID]
        }
    }

    /// What to install when the filter is missing.
    var remedy: String {
        switch self {
        case .none, .gzip:
            return "this HDF5 was built without zlib; install Debian's libhdf5-dev"
        case .lz4:
            return "install it with `apt-get install hdf5-filter-plugin` (plugins are read from "
                + "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins or $HDF5_PLUGIN_PATH)"
        case .zstd:
            return "vimo registers its own zstd filter; this process could not (HDF5's H5Zregister failed). In Python, "
                + "`pip install hdf5plugin` and `import hdf5plugin` before opening the shard"
        }
    }

    /// Throws `filterUnavailable` naming `path` unless every filter is installed. Under the lock.
    func requireAvailable(path: String) throws {
        for filter in filterIDs where H5Zfilter_avail(filter) <= 0 {
            throw StoreError.filterUnavailable(path: path, compression: description, filterID: Int(filter), remedy: remedy)
        }
    }

    /// Adds this compression's filters to a dataset creation property list. Under the lock.
    func apply(to creationList: hid_t, path: String) throws {
        switch self {
        case .none:
            break
        case .gzip(let level):
            try HDF5.check(H5Pset_shuffle(creationList), path: path, "H5Pset_shuffle")
            try HDF5.check(H5Pset_deflate(creationList, UInt32(level)), path: path, "H5Pset_deflate(\(level))")
        case .lz4:
            // No client values: the plugin then uses its default block size, as hdf5plugin.LZ4() does.
            try HDF5.check(H5Pset_filter(creationList, Self.lz4FilterID, UInt32(H5Z_FLAG_MANDATORY), 0, nil),
                           path: path, "H5Pset_filter(lz4)")
        case .zstd(let level, let tuning):
            try HDF5.check(H5Pset_shuffle(creationList), path: path, "H5Pset_shuffle")
            // The level first, as hdf5plugin reads it (and ignores the rest); then the tuning, 0 for the level's own.
            var values: [UInt32] = [UInt32(level)] + (tuning?.clientValues ?? [])
            try HDF5.check(H5Pset_filter(creationList, Self.zstdFilterID, UInt32(H5Z_FLAG_MANDATORY), values.count, &values),
                           path: path, "H5Pset_filter(\(description))")
        }
    }
}

/// zstd parameters that replace those of a level (`ZSTD_c_strategy`, `ZSTD_c_hashLog`, `ZSTD_c_minMatch`);
/// nil keeps the level's. They change how hard the compressor looks for matches, never the format: any
/// zstd decoder reads the frames. On cached frames, whose matches are mostly the same pixels a frame or
/// two back, level 1's fast strategy with a 2^17-entry hash table and 5-byte matches compresses as well
/// as level 3 at about 1.5 times its speed (bench/RESULTS.md, issue 17).
public struct ZstdTuning: Sendable, Equatable, CustomStringConvertible {
    /// zstd's match-finding strategies, in its own numbering (`ZSTD_strategy`).
    public enum Strategy: Int, Sendable, CaseIterable {
        case fast = 1, dfast, greedy, lazy, lazy2, btlazy2, btopt, btultra, btultra2
    }

    public var strategy: Strategy?
    /// log2 of the hash table's entries (6...30).
    public var hashLog: Int?
    /// The shortest match searched for (3...7).
    public var minMatch: Int?

    public init(strategy: Strategy? = nil, hashLog: Int? = nil, minMatch: Int? = nil) {
        self.strategy = strategy
        self.hashLog = hashLog
        self.minMatch = minMatch
    }

    /// "strategy=fast,hashlog=17,minmatch=5", the parameters set.
    public var description: String {
        [strategy.map { "strategy=\($0)" }, hashLog.map { "hashlog=\($0)" }, minMatch.map { "minmatch=\($0)" }]
            .compactMap { $0 }.joined(separator: ",")
    }

    /// The filter's client values after the level: strategy, hash log, min match, 0 where the level's stay.
    var clientValues: [UInt32] {
        [strategy.map { UInt32($0.rawValue) } ?? 0, hashLog.map { UInt32($0) } ?? 0, minMatch.map { UInt32($0) } ?? 0]
    }

    /// The tuning client values `[level, strategy, hashLog, minMatch]` describe (0: the level's own); nil when none is set.
    init?(clientValues values: [UInt32]) {
        guard values.count == 4 else { return nil }
        let tuning = ZstdTuning(strategy: Strategy(rawValue: Int(values[1])), hashLog: values[2] == 0 ? nil : Int(values[2]),
                                minMatch: values[3] == 0 ? nil : Int(values[3]))
        guard tuning != ZstdTuning() else { return nil }
        self = tuning
    }
}
