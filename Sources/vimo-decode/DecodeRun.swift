import Core
import Datasets
import Foundation
import Media
import Store

/// Everything a decode run needs, already validated.
struct DecodeSettings {
    var datasetRoot: URL
    var split: SplitSelection
    var output: URL
    var selection: FrameSelection
    var shard: ShardSelector
    var workers: Int
    var threads: Int
    var itemsPerShard: Int
    var compression: Compression
    var continueOnBadRows: Bool
    var fingerprint: String?

    /// The parameters that decide the pixels; they go into every shard and the fingerprint.
    var paramsJSON: String {
        // Hand-ordered keys: canonical JSON whatever the Foundation version.
        "{\"height\":224,\"sampling\":\"\(selection)\",\"scaler\":\"bilinear\",\"width\":224}"
    }

    /// Version of the decode code: bump when the pixels it produces change.
    static let codeVersion = "decode-1"
}

/// The result of a run.
struct DecodeOutcome {
    var summary: DecodeSummary
}

/// The frontend between the command line and the libraries: loads the dataset,
/// skips what is cached, decodes the rest on worker threads, commits shards.
final class DecodeRun: @unchecked Sendable {
    let settings: DecodeSettings
    let terminal: Terminal

    init(settings: DecodeSettings, terminal: Terminal) {
        self.settings = settings
        self.terminal = terminal
    }

    func run() throws -> DecodeOutcome {
        let start = Date()
        let dataset = try DatasetLoader.load(root: settings.datasetRoot, split: settings.split,
                                             continueOnError: settings.continueOnBadRows)
        for problem in dataset.problems { terminal.line("vimo-decode: skipped: \(problem.localizedDescription)") }
        let mine = dataset.items.filter { settings.shard.contains($0.id) }

        try FileManager.default.createDirectory(at: settings.output, withIntermediateDirectories: true)
        let fingerprint = settings.fingerprint ?? FileDigest.sha256(of: Data(
            ("decode\n" + DecodeSettings.codeVersion + "\n" + settings.paramsJSON).utf8))
        let metadata = ShardMetadata(stage: "decode", fingerprint: fingerprint, params: settings.paramsJSON,
                                     schema: Store.schemaVersion)
        let index = try ShardIndex.build(directory: settings.output)
        try checkCompatible(index: index, metadata: metadata)

        // Work out what is already there: (id, video digest) committed → skip.
        let digests = DigestCache(file: settings.output.appendingPathComponent(".digests.json"))
        var failures: [DecodeSummary.Failure] = []
        var todo: [(item: VideoItem, source: String)] = []
        for item in mine {
            do {
                let source = try digests.digest(of: item.video)
                if !index.contains(item: item.id, source: source) { todo.append((item, source)) }
            } catch {
                failures.append(.init(item: item.id, reason: error.localizedDescription))
                terminal.line("vimo-decode: failed: \(item.id): \(error.localizedDescription)")
            }
        }
        try? digests.save()

        let work = WorkQueue(items: todo, settings: settings, metadata: metadata,
                             labelCount: dataset.classes.count, dataset: dataset, terminal: terminal,
                             progress: ProgressLine(total: todo.count))
        work.failures = failures
        work.process()

        let seconds = Date().timeIntervalSince(start)
        let summary = DecodeSummary(
            dataset: settings.datasetRoot.path, split: "\(settings.split)", shard: settings.shard.description,
            sampling: settings.selection.description, fingerprint: fingerprint,
            itemsInDataset: dataset.items.count, itemsInShard: mine.count,
            alreadyCached: mine.count - todo.count - failures.count, decoded: work.decoded,
            failed: work.failures, warnings: work.warnings,
            datasetProblems: dataset.problems.map { $0.localizedDescription },
            frames: work.frames, seconds: seconds, framesPerSecond: Double(work.frames) / max(seconds, 1e-9),
            digestsComputed: digests.filesRead, shardsWritten: work.shardsWritten.map(\.lastPathComponent))
        return DecodeOutcome(summary: summary)
    }

    /// Frames decoded with other parameters must not be mixed in (or mistaken for cached).
    private func checkCompatible(index: ShardIndex, metadata: ShardMetadata) throws {
        for shard in index.shards {
            let existing = try ShardReader(url: shard).metadata
            if existing.params != metadata.params || existing.stage != metadata.stage {
                throw DecodeRunError.incompatibleOutput(folder: settings.output.path, shard: shard.lastPathComponent,
                                                        found: existing.params, wanted: metadata.params)
            }
        }
    }
}

enum DecodeRunError: Error, LocalizedError {
    case incompatibleOutput(folder: String, shard: String, found: String, wanted: String)

    var errorDescription: String? {
        switch self {
        case .incompatibleOutput(let folder, let shard, let found, let wanted):
            return "\(folder) already holds frames decoded with other parameters (\(shard): \(found); this run: \(wanted)). "
                + "Use another --out folder."
        }
    }
}

/// Worker threads pulling items from one list; each worker owns its shard writer
/// (Store serialises the HDF5 calls), so no two writers share a file.
final class WorkQueue: @unchecked Sendable {
    let items: [(item: VideoItem, source: String)]
    let settings: DecodeSettings
    let metadata: ShardMetadata
    let labelCount: Int
    let dataset: VideoDataset
    let terminal: Terminal
    let progress: ProgressLine

    private let lock = NSLock()
    private var next = 0
    var decoded = 0
    var frames = 0
    var failures: [DecodeSummary.Failure] = []
    var warnings: [DecodeSummary.Warning] = []
    var shardsWritten: [URL] = []

    init(items: [(item: VideoItem, source: String)], settings: DecodeSettings, metadata: ShardMetadata,
         labelCount: Int, dataset: VideoDataset, terminal: Terminal, progress: ProgressLine) {
        self.items = items
        self.settings = settings
        self.metadata = metadata
        self.labelCount = labelCount
        self.dataset = dataset
        self.terminal = terminal
        self.progress = progress
    }

    func process() {
        guard !items.isEmpty else { return }
        let workers = min(settings.workers, items.count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in self.workerLoop(worker) }
        terminal.progress(progress.render(done: decoded + failures.count, units: frames, failed: failures.count), force: true)
    }

    private func take() -> (item: VideoItem, source: String)? {
        lock.lock(); defer { lock.unlock() }
        guard next < items.count else { return nil }
        next += 1
        return items[next - 1]
    }

    private func workerName(_ worker: Int) -> String {
        settings.shard.count == 1 ? "w\(worker)" : "s\(settings.shard.index)of\(settings.shard.count)w\(worker)"
    }

    private func workerLoop(_ worker: Int) {
        var writer: ShardWriter?
        func commit() {
            guard let w = writer else { return }
            writer = nil
            do {
                let url = try w.commit()
                lock.lock(); shardsWritten.append(url); lock.unlock()
            } catch {
                // The items of this shard are not committed: they will be decoded again next run.
                terminal.line("vimo-decode: error: cannot commit a shard: \(error.localizedDescription)")
                lock.lock()
                failures.append(.init(item: "(shard of worker \(worker))", reason: error.localizedDescription))
                lock.unlock()
            }
        }
        while let (item, source) = take() {
            do {
                let decoder = try VideoDecoder(url: item.video, options: DecodeOptions(threads: settings.threads))
                var pixels: [UInt8] = []
                var indices: [Int32] = []
                let report = try decoder.decode(settings.selection) { frame in
                    pixels.append(contentsOf: frame.pixels)
                    indices.append(Int32(frame.index))
                }
                if writer == nil {
                    writer = try ShardWriter(directory: settings.output, worker: workerName(worker), metadata: metadata,
                                             payload: .frames(height: 224, width: 224, channels: 3),
                                             labelCount: labelCount, compression: settings.compression)
                }
                try pixels.withUnsafeBytes { raw in
                    try writer!.append(item: item.id, source: source, frameIndex: indices, rows: raw,
                                       labels: dataset.multiHot(item))
                }
                record(item: item, frames: indices.count, report: report)
                if writer!.itemCount >= settings.itemsPerShard { commit() }
            } catch {
                lock.lock()
                failures.append(.init(item: item.id, reason: error.localizedDescription))
                lock.unlock()
                terminal.line("vimo-decode: failed: \(item.id): \(error.localizedDescription)")
            }
            lock.lock()
            let line = progress.render(done: decoded + failures.count, units: frames, failed: failures.count)
            lock.unlock()
            terminal.progress(line)
        }
        commit()
    }

    private func record(item: VideoItem, frames count: Int, report: DecodeReport) {
        var notes: [String] = []
        if report.corruptPackets > 0 { notes.append("\(report.corruptPackets) damaged packet(s) skipped") }
        if report.truncated { notes.append("file ends early") }
        if !report.missingIndices.isEmpty { notes.append("frames \(report.missingIndices) could not be decoded") }
        if count == 0 { notes.append("no frames selected") }
        lock.lock()
        decoded += 1
        frames += count
        for note in notes { warnings.append(.init(item: item.id, message: note)) }
        lock.unlock()
        for note in notes { terminal.line("vimo-decode: warning: \(item.id): \(note)") }
    }
}
