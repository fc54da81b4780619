import Core
import Foundation

/// What one run of a stage executable did, written as JSON next to its shards.
public struct StageSummary: Codable, Sendable {
    /// An item that could not be processed, and why.
    public struct Failure: Codable, Equatable, Sendable {
        public var item: String
        public var reason: String
        public init(item: String, reason: String) { self.item = item; self.reason = reason }
    }
    /// Something worth knowing about an item that was processed.
    public struct Warning: Codable, Equatable, Sendable {
        public var item: String
        public var message: String
        public init(item: String, message: String) { self.item = item; self.message = message }
    }

    public var stage: String
    /// Where the inputs came from (dataset root, upstream folders, weights).
    public var inputs: [String: String]
    public var shard: String
    public var params: String
    public var fingerprint: String
    public var itemsInInput: Int
    public var itemsInShard: Int
    public var alreadyCached: Int
    public var processed: Int
    public var failed: [Failure]
    public var warnings: [Warning]
    public var inputProblems: [String]
    /// Rows written (frames, flow fields, embeddings).
    public var rows: Int
    public var rowUnit: String
    public var seconds: Double
    public var rowsPerSecond: Double
    public var digestsComputed: Int
    public var shardsWritten: [String]
    /// Why the stage stopped before attempting every item (a full disk), when it did.
    public var stopped: String? = nil

    public init(stage: String, inputs: [String: String], shard: String, params: String, fingerprint: String,
                itemsInInput: Int, itemsInShard: Int, alreadyCached: Int, processed: Int, failed: [Failure],
                warnings: [Warning], inputProblems: [String], rows: Int, rowUnit: String, seconds: Double,
                digestsComputed: Int, shardsWritten: [String], stopped: String? = nil) {
        self.stage = stage
        self.inputs = inputs
        self.shard = shard
        self.params = params
        self.fingerprint = fingerprint
        self.itemsInInput = itemsInInput
        self.itemsInShard = itemsInShard
        self.alreadyCached = alreadyCached
        self.processed = processed
        self.failed = failed
        self.warnings = warnings
        self.inputProblems = inputProblems
        self.rows = rows
        self.rowUnit = rowUnit
        self.seconds = seconds
        self.rowsPerSecond = Double(rows) / Swift.max(seconds, 1e-9)
        self.digestsComputed = digestsComputed
        self.stopped = stopped
        self.shardsWritten = shardsWritten
    }

    /// One line for the terminal.
    public var closingLine: String {
        var text = "\(stage): \(processed) item(s), \(rows) \(rowUnit) in \(String(format: "%.1f", seconds)) s"
            + " (\(String(format: "%.1f", rowsPerSecond)) \(rowUnit)/s); \(alreadyCached) already cached"
        if !failed.isEmpty { text += "; \(failed.count) FAILED" }
        return text + "."
    }

    /// `summary-<stage>.json`, or `summary-<stage>-shard-i-of-N.json` for one of N shards.
    public static func defaultURL(folder: URL, stage: String, shard: ShardSelector) -> URL {
        folder.appendingPathComponent(shard.count == 1 ? "summary-\(stage).json"
                                      : "summary-\(stage)-shard-\(shard.index)-of-\(shard.count).json")
    }

    /// Writes the summary atomically, snake_case keys.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try AtomicFile.write(try encoder.encode(self), to: url)
    }
}
