import Core
import Foundation
import Store
#if canImport(Glibc)
import Glibc
#endif

/// An item stage folder's committed shards as `stat` sees them (name → size, mtime), and, saved when a
/// run is recorded, what the folder held then: `inputs/shards.tsv` (name, size, mtime in nanoseconds),
/// which `vimo status` compares with `stat` alone to name a shard that changed, and
/// `inputs/shard-items.tsv` (shard, item), from which `vimo verify` names the items of a shard whose
/// own item table can no longer be read.
struct ShardListing: Equatable, Sendable {
    /// One shard's identity on disk.
    struct Shard: Equatable, Sendable {
        /// Bytes.
        var size: Int64
        /// Modification time, nanoseconds since 1970.
        var mtimeNanoseconds: Int64
    }

    /// Shard file name → what `stat` said.
    var shards: [String: Shard]

    /// `inputs/shards.tsv` of a stage folder.
    static func url(directory: URL) -> URL {
        directory.appendingPathComponent("inputs").appendingPathComponent("shards.tsv")
    }

    /// `inputs/shard-items.tsv` of a stage folder.
    static func itemsURL(directory: URL) -> URL {
        directory.appendingPathComponent("inputs").appendingPathComponent("shard-items.tsv")
    }

    /// The committed shards of `directory` now (a readdir and one stat per shard, nothing read).
    static func current(_ directory: URL) throws -> ShardListing {
        var shards: [String: Shard] = [:]
        for shard in try ShardDirectory.committedShards(in: directory) {
            var st = stat()
            // A shard that vanishes between readdir and stat (a compaction) is not listed; -1 marks one that cannot be stat'ed.
            if stat(shard.path, &st) == 0 {
                let identity = DigestCacheIdentity(st)
                shards[shard.lastPathComponent] = Shard(size: identity.size, mtimeNanoseconds: identity.mtimeNanoseconds)
            } else if errno != ENOENT {
                shards[shard.lastPathComponent] = Shard(size: -1, mtimeNanoseconds: -1)
            }
        }
        return ShardListing(shards: shards)
    }

    /// Digest of the shard names and sizes (what a run record keeps as `outputListing`).
    var digest: String {
        var text = ""
        for (name, shard) in shards.sorted(by: { $0.key < $1.key }) { text += name + "\t\(shard.size)\n" }
        return FileDigest.sha256(of: Data(text.utf8))
    }

    /// Saves this listing and which shard holds each item of `index` (its current rows) in `directory`.
    func save(directory: URL, index: ShardIndex) throws {
        var text = "# shard\tbytes\tmtime_ns (written when the last run was recorded; vimo status compares it with stat)\n"
        for (name, shard) in shards.sorted(by: { $0.key < $1.key }) { text += "\(name)\t\(shard.size)\t\(shard.mtimeNanoseconds)\n" }
        var items = "# shard\titem (the items each shard held when the last run was recorded)\n"
        for item in index.items where !item.contains("\n") {
            if let shard = index[item]?.shard.lastPathComponent { items += shard + "\t" + item + "\n" }
        }
        try FileManager.default.createDirectory(at: Self.url(directory: directory).deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(Data(items.utf8), to: Self.itemsURL(directory: directory))
        try AtomicFile.write(Data(text.utf8), to: Self.url(directory: directory))
    }

    /// The listing saved in `directory`, nil when there is none (runs recorded before listings existed).
    static func saved(directory: URL) -> ShardListing? {
        guard let data = try? Data(contentsOf: url(directory: directory)) else { return nil }
        var shards: [String: Shard] = [:]
        for line in data.split(separator: UInt8(ascii: "\n")) where line.first != UInt8(ascii: "#") {
            let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            guard fields.count == 3, let size = Int64(fields[1]), let mtime = Int64(fields[2]) else { return nil }
            shards[fields[0]] = Shard(size: size, mtimeNanoseconds: mtime)
        }
        return ShardListing(shards: shards)
    }

    /// Shard name → the items it held when the last run was recorded (empty when nothing was saved).
    static func savedItems(directory: URL) -> [String: [String]] {
        guard let data = try? Data(contentsOf: itemsURL(directory: directory)) else { return [:] }
        var items: [String: [String]] = [:]
        for line in data.split(separator: UInt8(ascii: "\n")) where line.first != UInt8(ascii: "#") {
            guard let tab = line.firstIndex(of: UInt8(ascii: "\t")) else { continue }
            items[String(decoding: line[line.startIndex..<tab], as: UTF8.self), default: []]
                .append(String(decoding: line[line.index(after: tab)...], as: UTF8.self))
        }
        return items
    }

    /// What differs in `now` from this (saved) listing, as status reasons: shards added or removed
    /// (a removed one found in `.quarantine/` says so), then shards whose size or mtime changed.
    func changes(to now: ShardListing, directory: URL) -> [String] {
        var reasons: [String] = []
        let removed = shards.keys.filter { now.shards[$0] == nil }.sorted()
        let added = now.shards.keys.filter { shards[$0] == nil }.sorted()
        if !removed.isEmpty || !added.isEmpty {
            let words = removed.map { name in
                name + (ShardDirectory.quarantined(name, in: directory).isEmpty ? " removed" : " removed (set aside in \(ShardDirectory.quarantineFolder)/)")
            } + added.map { $0 + " added" }
            reasons.append("shards were added or removed since the last run: " + Self.some(words))
        }
        let modified = shards.keys.sorted().compactMap { name -> String? in
            guard let then = shards[name], let current = now.shards[name], then != current else { return nil }
            if then.size != current.size { return "\(name) (size \(then.size) → \(current.size) bytes)" }
            return "\(name) (modified: its mtime is not the one recorded)"
        }
        if !modified.isEmpty {
            reasons.append("\(modified.count) shard(s) changed since the last run: " + Self.some(modified)
                + "; `vimo verify` reads them, `vimo verify --repair` sets damaged ones aside")
        }
        return reasons
    }

    /// Up to three entries, then how many more.
    private static func some(_ words: [String]) -> String {
        words.prefix(3).joined(separator: ", ") + (words.count > 3 ? ", and \(words.count - 3) more" : "")
    }
}
