import Foundation
import Store

/// One worker's stream of items into shards: opens a writer on demand, commits it when it
/// holds `itemsPerShard` items, and remembers what it committed. Items in a shard that has
/// not been committed when the process dies are simply done again by the next run.
public final class ShardSink {
    public let directory: URL
    public let worker: String
    public let metadata: ShardMetadata
    public let payload: Payload
    public let labelCount: Int?
    public let layout: ShardLayout
    public let itemsPerShard: Int
    /// Shards committed so far.
    public private(set) var committed: [URL] = []
    private var writer: ShardWriter?

    public init(directory: URL, worker: String, metadata: ShardMetadata, payload: Payload, labelCount: Int?,
                layout: ShardLayout, itemsPerShard: Int) {
        self.directory = directory
        self.worker = worker
        self.metadata = metadata
        self.payload = payload
        self.labelCount = labelCount
        self.layout = layout
        self.itemsPerShard = itemsPerShard
    }

    /// Appends one item (rows already in the payload's on-disk dtype) and commits when the shard is full.
    public func append(item: String, source: String, frameIndex: [Int32], rows: UnsafeRawBufferPointer,
                       labels: [UInt8]?) throws {
        let writer = try openWriter()
        try writer.append(item: item, source: source, frameIndex: frameIndex, rows: rows, labels: labels)
        if writer.itemCount >= itemsPerShard { try commit() }
    }

    /// Starts an item whose rows arrive in parts (`ShardWriter.beginItem`): `appendRows` streams them
    /// to the file, `finishItem` records it (committing a full shard), `cancelItem` drops its rows.
    public func beginItem(_ item: String, source: String, labels: [UInt8]?) throws {
        try openWriter().beginItem(item, source: source, labels: labels)
    }

    /// The next rows of the item begun with `beginItem`.
    public func appendRows(_ rows: UnsafeRawBufferPointer) throws {
        guard let writer else { throw ShardSinkError.noItemBegun(directory.path) }
        try writer.appendRows(rows)
    }

    /// Records the item begun with `beginItem` and commits the shard when it is full.
    public func finishItem(frameIndex: [Int32]) throws {
        guard let writer else { throw ShardSinkError.noItemBegun(directory.path) }
        try writer.finishItem(frameIndex: frameIndex)
        if writer.itemCount >= itemsPerShard { try commit() }
    }

    /// Drops the item begun with `beginItem` (its rows leave the shard); the sink goes on with the next.
    /// When the rows cannot be taken back the writer is broken and the shard's commit fails, which the
    /// stage reports (as after any failed write): its items are done again by the next run.
    public func cancelItem() {
        try? writer?.cancelItem()
    }

    /// The open shard's writer, opening a new shard when there is none.
    private func openWriter() throws -> ShardWriter {
        if let writer { return writer }
        let opened = try ShardWriter(directory: directory, worker: worker, metadata: metadata, payload: payload,
                                     labelCount: labelCount, layout: layout)
        writer = opened
        return opened
    }

    /// Commits the open shard, if any.
    public func commit() throws {
        guard let w = writer else { return }
        writer = nil
        committed.append(try w.commit())
    }
}

/// A streaming call out of order.
public enum ShardSinkError: Error, LocalizedError {
    /// `appendRows` or `finishItem` without `beginItem`.
    case noItemBegun(String)

    public var errorDescription: String? {
        switch self {
        case .noItemBegun(let folder): return "\(folder): rows appended with no item begun (a bug in the stage)"
        }
    }
}

/// A folder already holding shards made with other parameters must not be mixed with this run
/// (nor its items mistaken for cached).
public struct IncompatibleOutput: Error, LocalizedError {
    public var folder: String
    public var shard: String
    public var found: String
    public var wanted: String

    public var errorDescription: String? {
        "\(folder) already holds \(shard.hasPrefix("shard-") ? "shards" : "data") made with other parameters "
            + "(\(shard): \(found); this run: \(wanted)). Use another --out folder."
    }

    /// Throws when any committed shard of `index` has other stage or params than `metadata`
    /// (the index already holds every shard's attributes: nothing is reopened).
    public static func check(_ index: ShardIndex, against metadata: ShardMetadata) throws {
        for shard in index.shards {
            guard let existing = index.metadata(of: shard) else { continue }
            if existing.params != metadata.params || existing.stage != metadata.stage {
                throw IncompatibleOutput(folder: index.directory.path, shard: shard.lastPathComponent,
                                         found: existing.params, wanted: metadata.params)
            }
        }
    }
}
