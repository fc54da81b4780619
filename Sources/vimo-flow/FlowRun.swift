import Core
import Foundation
import Models
import StageCLI
import Store
import Torch

/// Everything a flow run needs.
struct FlowSettings {
    var frames: URL
    var output: URL
    var method: FlowMethodName
    var weights: String?
    var iterations: Int
    var batch: Int
    var preset: String
    var device: Device
    var shard: ShardSelector
    var itemsPerShard: Int
    var compression: Compression
    var fingerprint: String?

    static let codeVersion = "flow-1"
}

/// Reads decode shards item by item, computes flow, writes flow shards.
final class FlowRun {
    let settings: FlowSettings
    let terminal: Terminal

    init(settings: FlowSettings, terminal: Terminal) {
        self.settings = settings
        self.terminal = terminal
    }

    func run() throws -> StageSummary {
        let start = Date()
        let upstream = try ShardIndex.build(directory: settings.frames)
        guard !upstream.shards.isEmpty else {
            throw FlowError.noFrames(settings.frames.path)
        }
        for problem in upstream.problems { terminal.warning("unreadable decode shard: \(problem.localizedDescription)") }
        let firstUpstream = try ShardReader(url: upstream.shards[0])
        guard case .frames(let height, let width, 3) = firstUpstream.payload else {
            throw FlowError.notFrames(upstream.shards[0].path)
        }

        let estimator = try makeEstimator()
        let params = "{\"iters\":\(settings.method == .dis ? 0 : settings.iterations),\"method\":\"\(settings.method.rawValue)\","
            + "\"preset\":\"\(settings.method == .dis ? settings.preset : "")\",\"weights\":\"\(estimator.weightsDigest)\"}"
        let fingerprint = settings.fingerprint ?? FileDigest.sha256(of: Data(
            ("flow\n\(FlowSettings.codeVersion)\n\(params)\n\(firstUpstream.metadata.fingerprint)").utf8))
        let metadata = ShardMetadata(stage: "flow", fingerprint: fingerprint, params: params, schema: Store.schemaVersion)
        try FileManager.default.createDirectory(at: settings.output, withIntermediateDirectories: true)
        let done = try ShardIndex.build(directory: settings.output)
        try IncompatibleOutput.check(done, against: metadata)

        // An item's source is its upstream identity: the decode fingerprint and the video digest.
        let mine = upstream.items.filter { settings.shard.contains($0) }
        let todo = mine.compactMap { id -> (String, ShardIndex.Entry, String)? in
            let entry = upstream[id]!
            let source = FileDigest.sha256(of: Data("\(firstUpstream.metadata.fingerprint)\n\(entry.source)".utf8))
            return done.contains(item: id, source: source) ? nil : (id, entry, source)
        }

        let sink = ShardSink(directory: settings.output,
                             worker: settings.shard.count == 1 ? "w0" : "s\(settings.shard.index)of\(settings.shard.count)w0",
                             metadata: metadata, payload: .flow(height: height, width: width),
                             labelCount: firstUpstream.labelCount, compression: settings.compression,
                             itemsPerShard: settings.itemsPerShard)
        var processed = 0, rows = 0
        var failures: [StageSummary.Failure] = [], warnings: [StageSummary.Warning] = []
        let progress = ProgressLine(total: todo.count, unit: "pairs")
        var readers: [URL: ShardReader] = [:]
        for (id, entry, source) in todo {
            do {
                let reader = try readers[entry.shard] ?? ShardReader(url: entry.shard)
                readers = [entry.shard: reader]  // one open shard at a time
                let frameIndex = try reader.frameIndex(rows: entry.rows)
                let pixels = try reader.readFrames(rows: entry.rows)
                let flow = try estimator.flow(frames: pixels, count: entry.rows.count, height: height, width: width)
                let pairs = max(0, entry.rows.count - 1)
                let labels = reader.labelCount == nil ? nil : try reader.labels(item: entry.position)
                try flow.withUnsafeBytes { raw in
                    try sink.append(item: id, source: source, frameIndex: Array(frameIndex.prefix(pairs)), rows: raw,
                                    labels: labels)
                }
                if pairs == 0 {
                    warnings.append(.init(item: id, message: "\(entry.rows.count) frame(s): no pairs"))
                    terminal.warning("\(id): \(entry.rows.count) frame(s), so no flow")
                }
                processed += 1
                rows += pairs
            } catch {
                failures.append(.init(item: id, reason: error.localizedDescription))
                terminal.failed(id, error.localizedDescription)
            }
            terminal.progress(progress.render(done: processed + failures.count, units: rows, failed: failures.count))
        }
        do { try sink.commit() } catch {
            failures.append(.init(item: "(last shard)", reason: error.localizedDescription))
            terminal.error("cannot commit the last shard: \(error.localizedDescription)")
        }
        if !todo.isEmpty {
            terminal.progress(progress.render(done: processed + failures.count, units: rows, failed: failures.count), force: true)
        }
        return StageSummary(
            stage: "flow", inputs: ["frames": settings.frames.path, "weights": settings.weights ?? ""],
            shard: settings.shard.description, params: params, fingerprint: fingerprint,
            itemsInInput: upstream.items.count, itemsInShard: mine.count, alreadyCached: mine.count - todo.count,
            processed: processed, failed: failures, warnings: warnings,
            inputProblems: upstream.problems.map { $0.localizedDescription }, rows: rows, rowUnit: "pairs",
            seconds: Date().timeIntervalSince(start), digestsComputed: 0,
            shardsWritten: sink.committed.map(\.lastPathComponent))
    }

    private func makeEstimator() throws -> FlowEstimator {
        switch settings.method {
        case .raftLarge, .raftSmall:
            return try RAFTEstimator(variant: settings.method == .raftLarge ? .large : .small, weights: settings.weights!,
                                     iterations: settings.iterations, batch: settings.batch, device: settings.device)
        case .dis:
            return try DISEstimator(preset: settings.preset)
        }
    }
}

enum FlowError: Error, LocalizedError {
    case noFrames(String)
    case notFrames(String)
    case weights(String, String)

    var errorDescription: String? {
        switch self {
        case .noFrames(let path): return "\(path) holds no decode shards (run vimo-decode --out \(path) first)"
        case .notFrames(let path): return "\(path) is not a decode shard of 224×224 RGB frames"
        case .weights(let path, let reason): return "\(path): \(reason)"
        }
    }
}
