import Core
import Foundation
import Store

/// The loop every stage that maps an upstream stage's items to new rows shares (flow, CLIP,
/// MoCLIP embeddings): index both folders, skip items already committed for the same upstream
/// item, process the rest one by one into shards, record failures, report progress, summarise.
public struct ItemStage {
    /// What `process` returns for one item: rows in the payload's on-disk dtype and their frame indices.
    public struct Output {
        public var rows: [UInt8]
        public var frameIndex: [Int32]
        public var warning: String?
        public init(rows: [UInt8], frameIndex: [Int32], warning: String? = nil) {
            self.rows = rows
            self.frameIndex = frameIndex
            self.warning = warning
        }
    }

    public var stage: String
    public var upstream: URL
    public var output: URL
    public var shard: ShardSelector
    public var itemsPerShard: Int
    public var storage: StorageProfile
    public var rowUnit: String
    public var inputs: [String: String]

    public init(stage: String, upstream: URL, output: URL, shard: ShardSelector, itemsPerShard: Int,
                storage: StorageProfile, rowUnit: String, inputs: [String: String]) {
        self.stage = stage
        self.upstream = upstream
        self.output = output
        self.shard = shard
        self.itemsPerShard = itemsPerShard
        self.storage = storage
        self.rowUnit = rowUnit
        self.inputs = inputs
    }

    /// The upstream folder's index and the metadata of its first shard (its fingerprint and payload).
    public func openUpstream() throws -> (index: ShardIndex, first: ShardReader) {
        let index = try ShardIndex.build(directory: upstream)
        guard let first = index.shards.first else { throw ItemStageError.emptyUpstream(upstream.path) }
        return (index, try ShardReader(url: first))
    }

    /// Runs `process` over every item of this shard not yet committed for the same upstream item.
    public func run(upstream index: ShardIndex, upstreamFingerprint: String, params: String, fingerprint: String,
                    payload: Payload, labelCount: Int?, terminal: Terminal,
                    process: (_ reader: ShardReader, _ entry: ShardIndex.Entry) throws -> Output) throws -> StageSummary {
        try run(upstream: index, upstreamFingerprint: upstreamFingerprint, params: params, fingerprint: fingerprint,
                payload: payload, labelCount: labelCount, terminal: terminal) { reader, entry, _ in try process(reader, entry) }
    }

    /// The same loop for stages whose items take long (RAFT on a 300-frame video): `process` may call
    /// `report(done, total)` with its rows done within the item, and the progress line says so.
    public func run(upstream index: ShardIndex, upstreamFingerprint: String, params: String, fingerprint: String,
                    payload: Payload, labelCount: Int?, terminal: Terminal,
                    process: (_ reader: ShardReader, _ entry: ShardIndex.Entry,
                              _ report: (_ done: Int, _ total: Int) -> Void) throws -> Output) throws -> StageSummary {
        let start = Date()
        for problem in index.problems {
            terminal.warning("unreadable upstream shard, its items are skipped: \(problem.localizedDescription) (\(ItemStageError.remedy))")
        }
        let metadata = ShardMetadata(stage: stage, fingerprint: fingerprint, params: params, schema: Store.schemaVersion,
                                     storage: storage.attribute(for: payload))
        let layout = storage.layout(for: payload)
        try OutputFolder.create(output)
        let done = try ShardIndex.build(directory: output)
        try IncompatibleOutput.check(done, against: metadata)

        // An item's source is its upstream identity: the upstream fingerprint and the upstream item's source.
        let mine = index.items.filter { shard.contains($0) }
        let todo = mine.compactMap { id -> (String, ShardIndex.Entry, String)? in
            let entry = index[id]!
            let source = FileDigest.downstreamSource(upstreamFingerprint: upstreamFingerprint, upstreamSource: entry.source)
            return done.contains(item: id, source: source) ? nil : (id, entry, source)
        }
        let sink = ShardSink(directory: output, worker: shard.count == 1 ? "w0" : "s\(shard.index)of\(shard.count)w0",
                             metadata: metadata, payload: payload, labelCount: labelCount, layout: layout,
                             itemsPerShard: itemsPerShard)
        let tally = Tally()
        let progress = ProgressLine(total: todo.count, unit: rowUnit)
        @Sendable func render(extra: Int = 0) -> String {
            tally.locked { progress.render(done: $0.processed + $0.failures.count, units: $0.rows + extra, failed: $0.failures.count) }
        }
        // An item's rows are stored (rounded, compressed, checksummed, written) on a second thread while
        // `process` computes the next item; one item waits at most, so memory holds two items' rows.
        let writing = DispatchQueue(label: "vimo.item-stage.write")
        let slot = DispatchSemaphore(value: 1)
        var open: (url: URL, reader: ShardReader)?
        for (id, entry, source) in todo {
            if tally.locked({ $0.stopCode != nil }) { break }
            do {
                if open?.url != entry.shard { open = (entry.shard, try ShardReader(url: entry.shard)) }
                let reader = open!.reader
                let result = try process(reader, entry) { done, total in
                    terminal.progress(render(extra: done) + "  \(id) \(done)/\(total) \(rowUnit)")
                }
                try FiniteRows.check(result.rows, payload: payload)   // a damaged item fails, its rows unwritten
                let labels = labelCount == nil ? nil : try reader.labels(item: entry.position)
                slot.wait()
                writing.async { [storage] in
                    defer { slot.signal() }
                    do {
                        var rowsToWrite = result.rows
                        if case .flow(let height, let width) = payload, let bits = storage.flowRoundingBits {
                            rowsToWrite.withUnsafeMutableBytes { raw in
                                FlowRounding.round(raw.bindMemory(to: Float16.self), pixels: height * width, bits: bits)
                            }
                        }
                        try rowsToWrite.withUnsafeBytes { raw in
                            try sink.append(item: id, source: source, frameIndex: result.frameIndex, rows: raw, labels: labels)
                        }
                        if let warning = result.warning { terminal.warning("\(id): \(warning)") }
                        tally.locked {
                            if let warning = result.warning { $0.warnings.append(.init(item: id, message: warning)) }
                            $0.processed += 1
                            $0.rows += result.frameIndex.count
                        }
                    } catch {
                        tally.record(error, item: id, upstream: entry.shard, terminal: terminal)
                    }
                    terminal.progress(render())
                }
            } catch {
                tally.record(error, item: id, upstream: entry.shard, terminal: terminal)
                terminal.progress(render())
            }
        }
        writing.sync {}
        var processed = tally.processed, failures = tally.failures, stopCode = tally.stopCode
        let rows = tally.rows, warnings = tally.warnings
        do { try sink.commit() } catch {
            if let code = OutOfSpace.code(of: error) { stopCode = stopCode ?? code } else {
                failures.append(.init(item: "(last shard)", reason: error.localizedDescription))
                terminal.error("cannot commit the last shard: \(error.localizedDescription)")
            }
        }
        var stopped: OutOfSpace?
        if let stopCode {
            // Items appended to a shard that could not be committed are not done: count what is.
            let now = try ShardIndex.build(directory: output)
            let committed = todo.filter { now.contains(item: $0.0, source: $0.2) }.count
            processed = committed
            stopped = OutOfSpace(folder: output, code: stopCode, committed: committed,
                                 notAttempted: todo.count - committed - failures.count)
        }
        if !todo.isEmpty {
            terminal.progress(progress.render(done: processed + failures.count, units: rows, failed: failures.count), force: true)
        }
        if processed > 0 && stopped == nil { Self.dropSuperseded(in: output, layout: layout, terminal: terminal) }
        return StageSummary(
            stage: stage, inputs: inputs, shard: shard.description, params: params, fingerprint: fingerprint,
            itemsInInput: index.items.count, itemsInShard: mine.count, alreadyCached: mine.count - todo.count,
            processed: processed, failed: failures, warnings: warnings,
            inputProblems: index.problems.map { $0.localizedDescription }, rows: rows, rowUnit: rowUnit,
            seconds: Date().timeIntervalSince(start), digestsComputed: 0, shardsWritten: sink.committed.map(\.lastPathComponent),
            stopped: stopped?.localizedDescription)
    }
}

/// What an item stage's two threads (computing, storing) count, under one lock.
private final class Tally: @unchecked Sendable {
    var processed = 0, rows = 0
    var failures: [StageSummary.Failure] = []
    var warnings: [StageSummary.Warning] = []
    /// Set when a write fails for want of room: no further item is started.
    var stopCode: Int32?
    private let lock = NSLock()

    func locked<T>(_ body: (Tally) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(self)
    }

    /// A failed item: a full disk stops the stage (the item is not a failure: the rerun computes it);
    /// anything else is the item's failure, reported now.
    func record(_ error: Error, item: String, upstream: URL, terminal: Terminal) {
        if let code = OutOfSpace.code(of: error) {
            locked { $0.stopCode = $0.stopCode ?? code }
            return
        }
        let reason = ItemStageError.describe(error, upstream: upstream)
        locked { $0.failures.append(.init(item: item, reason: reason)) }
        terminal.failed(item, reason)
    }
}

extension ItemStage {
    /// Rewrites the shards whose items were computed again (a replaced video), so the folder holds one
    /// version of every item; a failure is only a warning (readers still take the newest rows).
    public static func dropSuperseded(in output: URL, layout: ShardLayout, terminal: Terminal) {
        do {
            let result = try ShardCompaction.dropSuperseded(in: output, layout: layout)
            if !result.droppedItems.isEmpty {
                terminal.line("\(terminal.program): dropped the superseded rows of \(result.droppedItems.count) item(s) computed again "
                    + "(\(result.rewritten.count) shard(s) rewritten, \(result.removed.count) removed)")
            }
        } catch {
            terminal.warning("could not drop superseded rows in \(output.path): \(error.localizedDescription) "
                + "(readers take the newest rows; the next run tries again)")
        }
    }
}

/// Why an item stage cannot start, or an item cannot be computed.
public enum ItemStageError: Error, LocalizedError {
    /// The upstream folder holds no committed shard.
    case emptyUpstream(String)
    /// The upstream shard holding the item cannot be read (damaged on disk, truncated, …).
    case damagedUpstream(shard: String, cause: String)

    /// What to do about a damaged upstream shard.
    static let remedy = "`vimo verify --repair` sets damaged shards aside; the next `vimo run` recomputes their items"

    /// The problem in one line, naming the folder or shard and what to do.
    public var errorDescription: String? {
        switch self {
        case .emptyUpstream(let path): return "\(path) holds no shards (run the upstream stage with --out \(path) first)"
        case .damagedUpstream(let shard, let cause):
            return "cannot read upstream shard \(shard): \(cause)" + (cause.contains("vimo verify") ? "" : " (\(Self.remedy))")
        }
    }

    /// An item's failure reason: a `StoreError` about the upstream shard it was read from names that
    /// shard as damaged and says how to repair it; any other error speaks for itself.
    static func describe(_ error: Error, upstream shard: URL) -> String {
        guard let store = error as? StoreError, store.path == shard.path else { return error.localizedDescription }
        let text = store.localizedDescription
        let cause = text.hasPrefix(shard.path + ": ") ? String(text.dropFirst(shard.path.count + 2)) : text
        return ItemStageError.damagedUpstream(shard: shard.path, cause: cause).localizedDescription
    }
}
