import Foundation

/// Which committed shard holds each item of a stage directory: the stage's progress (DESIGN.md §3).
///
/// Built from the item tables and attributes only, never the payload. When an item sits in more
/// than one shard, the one committed last (`committed_at`, then file name) wins. A shard that
/// cannot be read is listed in `problems` and otherwise ignored, so one damaged file never hides
/// the rest of the directory.
public struct ShardIndex: Sendable {
    /// Where an item's rows are.
    public struct Entry: Sendable, Equatable {
        /// The shard file.
        public var shard: URL
        /// The item's position in the shard's `items`.
        public var position: Int
        /// The item's rows in the shard's payload and `frame_index`.
        public var rows: Range<Int>
        /// The source digest the item was computed from.
        public var source: String
    }

    /// The directory that was indexed.
    public let directory: URL
    /// The committed shards that were read, sorted by name.
    public let shards: [URL]
    /// Shards that could not be read, one error per file naming it.
    public let problems: [StoreError]
    /// Every indexed item id, sorted.
    public let items: [String]
    private let entries: [String: Entry]
    /// Each readable shard's attributes, read with its item table.
    private let metadataByShard: [URL: ShardMetadata]

    /// The number of indexed items.
    public var count: Int { entries.count }

    /// Where `item` is, nil when no readable shard holds it.
    public subscript(item: String) -> Entry? {
        entries[item]
    }

    /// The attributes (stage, fingerprint, params, schema) of one of `shards`.
    public func metadata(of shard: URL) -> ShardMetadata? {
        metadataByShard[shard]
    }

    /// Whether `item` is held with exactly this source digest, i.e. need not be computed again.
    public func contains(item: String, source: String) -> Bool {
        entries[item]?.source == source
    }

    /// Reads every committed `shard-*.h5` in `directory` (temporaries are ignored), taking a shard's
    /// item table from the folder's `index.json` when the file is unchanged since it was read there,
    /// and rewrites that file when anything had to be read (`FolderIndexFile`). A missing directory
    /// gives an empty index; only an unreadable directory throws.
    public static func build(directory: URL) throws -> ShardIndex {
        var read: [(url: URL, summary: ShardSummary)] = []
        var problems: [StoreError] = []
        let cached = FolderIndexFile.read(in: directory)
        var known: [String: FolderIndexFile.Shard] = [:]
        var openedAny = false
        let committed = try ShardDirectory.committedShards(in: directory)
        for url in committed {
            let name = url.lastPathComponent
            let stamp = FolderIndexFile.stamp(url)
            if let stamp, let entry = cached?.shards[name], entry.matches(stamp) {
                read.append((url, entry.summary))
                known[name] = entry
                continue
            }
            openedAny = true
            do {
                let (summary, payload) = try HDF5.serialized { () throws -> (ShardSummary, String?) in
                    let file = try HDF5File.openReadOnly(path: url.path)
                    defer { try? file.close() }
                    let payload = try Payload.datasetNames.first { try file.exists($0) }
                    return (try ShardSummary.read(from: file), payload)
                }
                read.append((url, summary))
                if let stamp { known[name] = FolderIndexFile.shard(summary, payload: payload, stamp: stamp) }
            } catch let error as StoreError {
                problems.append(error)
            } catch {
                problems.append(.schemaMismatch(path: url.path, detail: error.localizedDescription))
            }
        }

        // Oldest first, so that later shards overwrite earlier entries. A shard without a
        // parseable `committed_at` counts as the oldest; ties fall back to the file name.
        let ordered = read.sorted { lhs, rhs in
            let left = lhs.summary.committedAt.flatMap(CommitTimestamp.secondsSinceEpoch) ?? -.infinity
            let right = rhs.summary.committedAt.flatMap(CommitTimestamp.secondsSinceEpoch) ?? -.infinity
            return left != right ? left < right : lhs.url.lastPathComponent < rhs.url.lastPathComponent
        }
        var entries: [String: Entry] = [:]
        for (url, summary) in ordered {
            for (position, item) in summary.items.enumerated() {
                entries[item] = Entry(shard: url, position: position,
                                      rows: summary.offsets[position]..<summary.offsets[position + 1],
                                      source: summary.sources[position])
            }
        }
        // The folder's index.json follows what was read: rewritten when a shard had to be opened or one is gone.
        let gone = cached.map { Set($0.shards.keys) != Set(known.keys) } ?? !committed.isEmpty
        if openedAny || gone {
            let items = entries.mapValues {
                FolderIndexFile.Item(shard: $0.shard.lastPathComponent, start: $0.rows.lowerBound, stop: $0.rows.upperBound,
                                     position: $0.position, source: $0.source)
            }
            FolderIndexFile(schema: FolderIndexFile.schema, shards: known, items: items).write(in: directory)
        }
        return ShardIndex(directory: directory, shards: read.map(\.url), problems: problems,
                          items: entries.keys.sorted(), entries: entries,
                          metadataByShard: Dictionary(read.map { ($0.url, $0.summary.metadata) }, uniquingKeysWith: { a, _ in a }))
    }
}
