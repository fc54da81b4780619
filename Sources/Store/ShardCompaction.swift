import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Drops superseded rows from a stage folder: when an item was computed again (a replaced video:
/// same id, new content), the shard holding its old rows is rewritten without them, or removed when
/// nothing else in it is current. Afterwards every item sits in exactly one committed shard, so a
/// plain `h5py` glob over the folder sees one version of each item, like `ShardIndex` does.
///
/// Crash-safe in the commit protocol's terms: the rewritten shard is committed (temp, fsync, link)
/// before the old one is unlinked, so a crash in between leaves the same item in two shards, the
/// newer holding identical rows, and the next compaction removes the old one. Concurrent stage
/// processes on one folder serialise on `<folder>/.compact.lock`.
public enum ShardCompaction {
    /// What one compaction did.
    public struct Result: Sendable, Equatable {
        /// Shards that were rewritten without their superseded items (old name → new name).
        public var rewritten: [(old: URL, new: URL)] = []
        /// Shards removed because every item in them had been computed again.
        public var removed: [URL] = []
        /// The superseded items that were dropped.
        public var droppedItems: [String] = []

        public static func == (lhs: Result, rhs: Result) -> Bool {
            lhs.rewritten.map(\.old) == rhs.rewritten.map(\.old) && lhs.rewritten.map(\.new) == rhs.rewritten.map(\.new)
                && lhs.removed == rhs.removed && lhs.droppedItems == rhs.droppedItems
        }
    }

    /// Rewrites or removes every shard of `directory` that holds an item whose current rows (by
    /// `ShardIndex`'s rule: newest commit wins) are in another shard. `layout` is used for the
    /// rewritten shards (the stage's own storage profile: a folder's shards all share its params);
    /// rows are copied as they are read, so rounded flow is never rounded again and JPEG frames are never coded again.
    @discardableResult
    public static func dropSuperseded(in directory: URL, layout: ShardLayout = ShardLayout()) throws -> Result {
        let lockPath = directory.appendingPathComponent(".compact.lock").path
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw StoreError.system(path: lockPath, operation: "open", errno: errno) }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw StoreError.system(path: lockPath, operation: "flock", errno: errno) }
        }
        defer { _ = flock(descriptor, LOCK_UN) }

        var result = Result()
        let index = try ShardIndex.build(directory: directory)
        for shard in index.shards {
            let reader = try ShardReader(url: shard)
            let current = reader.items.enumerated().filter { index[$0.element]?.shard == shard }.map(\.offset)
            guard current.count < reader.items.count else { continue }
            result.droppedItems += reader.items.enumerated().filter { index[$0.element]?.shard != shard }.map(\.element)
            if current.isEmpty {
                try SystemCalls.unlinkIfPresent(shard.path)
                result.removed.append(shard)
                continue
            }
            let writer = try ShardWriter(directory: directory, worker: "compacted", metadata: reader.metadata,
                                         payload: reader.payload, labelCount: reader.labelCount, layout: layout)
            do {
                for position in current {
                    let rows = reader.rows(ofItem: position)
                    let labels = try reader.labelCount.map { _ in try reader.labels(item: position) }
                    if reader.framesAreJPEG, layout.jpeg != nil {
                        // JPEG frames are copied as coded: decoding and coding again would lose more each time.
                        let (blobs, ends) = try reader.readJPEG(rows: rows)
                        try writer.append(item: reader.items[position], source: reader.sources[position], frameIndex: reader.frameIndex(rows: rows),
                                          jpegBlobs: blobs, lengths: zip(ends, [0] + ends.dropLast()).map { $0 - $1 }, labels: labels)
                        continue
                    }
                    let bytes = try payloadBytes(reader, rows: rows)
                    try bytes.withUnsafeBytes { raw in
                        try writer.append(item: reader.items[position], source: reader.sources[position],
                                          frameIndex: reader.frameIndex(rows: rows), rows: raw, labels: labels)
                    }
                }
                let new = try writer.commit()
                try SystemCalls.unlinkIfPresent(shard.path)
                result.rewritten.append((shard, new))
            } catch {
                writer.discard()
                throw error
            }
        }
        if !result.removed.isEmpty || !result.rewritten.isEmpty {
            try SystemCalls.fsync(path: directory.path)
            _ = try? ShardIndex.build(directory: directory)  // index.json without the shards that went
        }
        return result
    }

    /// An item's rows in the payload's on-disk dtype.
    private static func payloadBytes(_ reader: ShardReader, rows: Range<Int>) throws -> [UInt8] {
        switch reader.payload {
        case .frames: return try reader.readFrames(rows: rows)
        case .flow: return try reader.readFlowHalf(rows: rows).withUnsafeBytes { Array($0) }
        case .embeddings: return try reader.readEmbeddings(rows: rows).withUnsafeBytes { Array($0) }
        case .scores: return try reader.readScores(rows: rows).withUnsafeBytes { Array($0) }
        case .none: return []
        }
    }
}
