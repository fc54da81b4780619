import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `index.json` of a stage folder: what `ShardIndex.build` read from each committed shard (its item
/// table and attributes) keyed by the file's identity, and the current item map that follows from
/// them. It describes the folder to anyone (the `vimo_cache` Python package reads it), and it spares
/// `ShardIndex.build` from opening shards it has seen: a shard whose size, modification time and inode
/// are unchanged is taken from it, any other is read again. It is a cache, never the truth: a
/// missing, damaged or stale file only costs the reads.
///
/// Every `ShardIndex.build` that had to read a shard, or found one gone, rewrites it (atomically, by
/// rename; best effort: a read-only folder keeps none), and a writer's commit and a compaction end
/// with one, so after any change to the set of committed shards the file follows.
struct FolderIndexFile: Codable {
    static let name = "index.json"
    static let schema = 1

    /// A shard as it was read.
    struct Shard: Codable, Equatable {
        var bytes: Int64
        var mtimeNs: Int64
        var inode: UInt64
        var committedAt: String?
        /// The payload dataset's name (`frames`, `flow`, `embeddings`, `scores`), nil when it has none.
        var payload: String?
        var metadata: Metadata
        var items: [String]
        var offsets: [Int]
        var sources: [String]

        /// Whether this entry describes the file as it is now (`stamp`) and is whole.
        func matches(_ stamp: (bytes: Int64, mtimeNs: Int64, inode: UInt64)) -> Bool {
            bytes == stamp.bytes && mtimeNs == stamp.mtimeNs && inode == stamp.inode
                && offsets.count == items.count + 1 && sources.count == items.count
        }

        /// What `ShardSummary.read` would give for the file.
        var summary: ShardSummary {
            ShardSummary(items: items, offsets: offsets, sources: sources,
                         metadata: ShardMetadata(stage: metadata.stage, fingerprint: metadata.fingerprint, params: metadata.params,
                                                 schema: metadata.schema, storage: metadata.storage),
                         committedAt: committedAt)
        }
    }

    /// The shard attributes (`ShardMetadata`).
    struct Metadata: Codable, Equatable {
        var stage: String
        var fingerprint: String
        var params: String
        var schema: Int
        var storage: String?
    }

    /// Where a current item's rows are: its shard's file name, rows `start..<stop`, its position in the
    /// shard's `items` (also its row of `labels`) and its source digest.
    struct Item: Codable, Equatable {
        var shard: String
        var start: Int
        var stop: Int
        var position: Int
        var source: String
    }

    var schema: Int
    var shards: [String: Shard]
    var items: [String: Item]

    /// The entry of a shard just read, whose file had `stamp`.
    static func shard(_ summary: ShardSummary, payload: String?, stamp: (bytes: Int64, mtimeNs: Int64, inode: UInt64)) -> Shard {
        let m = summary.metadata
        return Shard(bytes: stamp.bytes, mtimeNs: stamp.mtimeNs, inode: stamp.inode, committedAt: summary.committedAt, payload: payload,
                     metadata: Metadata(stage: m.stage, fingerprint: m.fingerprint, params: m.params, schema: m.schema, storage: m.storage),
                     items: summary.items, offsets: summary.offsets, sources: summary.sources)
    }

    /// A shard file's identity now: size, modification time (ns) and inode; nil when it cannot be stat'ed.
    static func stamp(_ url: URL) -> (bytes: Int64, mtimeNs: Int64, inode: UInt64)? {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return nil }
        return (Int64(info.st_size), Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec), UInt64(info.st_ino))
    }

    /// The index of `directory`, nil when there is none or it cannot be read as one.
    static func read(in directory: URL) -> FolderIndexFile? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(name)),
              let index = try? decoder.decode(FolderIndexFile.self, from: data), index.schema == schema else { return nil }
        return index
    }

    /// Writes the index into `directory` under a temporary name and renames it into place; false when it could not.
    @discardableResult
    func write(in directory: URL) -> Bool {
        guard let data = try? Self.encoder.encode(self) else { return false }
        let target = directory.appendingPathComponent(Self.name)
        let temporary = directory.appendingPathComponent(Self.temporaryName())
        do {
            try data.write(to: temporary)
            try SystemCalls.rename(temporary.path, to: target.path)
            return true
        } catch {
            try? SystemCalls.unlinkIfPresent(temporary.path)
            return false
        }
    }

    /// The name `write` gives its temporary: the commit protocol's name for a writer's temporary (worker
    /// "index"), so one left by a process killed mid-write is removed by `ShardDirectory.removeStaleTemporaries`
    /// like a shard's. It never ends in `.h5`, so nothing takes it for a shard.
    static func temporaryName(pid: Int32 = SystemCalls.processID) -> String {
        ShardNames.temporary(worker: "index", host: SystemCalls.hostName(), pid: pid, counter: Int(UInt32.random(in: 0...UInt32.max)))
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}
