import Core
import Datasets
import Foundation
import Media
import StageCLI
import Store

/// Everything a decode run needs, already validated.
struct DecodeSettings {
    var datasetRoot: URL
    var videos: URL?
    var media: MediaSource
    var split: SplitSelection
    var output: URL
    var selection: FrameSelection
    var shard: ShardSelector
    var workers: Int
    var threads: Int
    var itemsPerShard: Int
    var storage: StorageProfile
    var continueOnBadRows: Bool
    var fingerprint: String?

    /// The parameters that decide the pixels; they go into every shard and the fingerprint.
    var paramsJSON: String {
        // Hand-ordered keys: canonical JSON whatever the Foundation version.
        "{\"height\":224,\"sampling\":\"\(selection)\",\"scaler\":\"bilinear\",\"storage\":\"\(storage)\",\"width\":224}"
    }

    /// Version of the decode code: bump when the pixels it produces, or how they are stored, change
    /// (decode-2: the `exact` storage profile, zstd over 16-frame chunks, is the default).
    static let codeVersion = "decode-2"
}

/// The frontend between the command line and the libraries: loads the dataset,
/// skips what is cached, decodes the rest on worker threads, commits shards.
final class DecodeRun: @unchecked Sendable {
    let settings: DecodeSettings
    let terminal: Terminal

    private let lock = NSLock()
    private var next = 0
    private var processed = 0
    private var rows = 0
    private var failures: [StageSummary.Failure] = []
    private var warnings: [StageSummary.Warning] = []
    private var shardsWritten: [URL] = []
    /// Frames decoded so far of the items being decoded now (for progress inside long videos).
    private var inFlight: [String: Int] = [:]
    private var progressLine: ProgressLine?
    private var unreadableCount = 0
    /// Set when a write fails for want of room: no further item is started.
    private var stopCode: Int32?
    /// Why the run stopped early, when it did (the command exits 3).
    private(set) var outOfSpace: OutOfSpace?

    init(settings: DecodeSettings, terminal: Terminal) {
        self.settings = settings
        self.terminal = terminal
    }

    func run() throws -> StageSummary {
        let start = Date()
        // Missing media is not a load error: each such item fails on its own (counted against --max-failures).
        let options = DatasetOptions(continueOnError: settings.continueOnBadRows, requireMedia: false,
                                     videos: settings.videos, media: settings.media)
        let dataset = try DatasetLoader.load(root: settings.datasetRoot, split: settings.split, options: options)
        for note in dataset.notes { terminal.line("vimo-decode: " + note) }
        for problem in dataset.problems { terminal.warning("skipped: \(problem.localizedDescription)") }
        let mine = dataset.items.filter { settings.shard.contains($0.id) }

        do { try FileManager.default.createDirectory(at: settings.output, withIntermediateDirectories: true) } catch {
            throw DecodeFailure.unusableOutput(settings.output.path, error)
        }
        let fingerprint = settings.fingerprint ?? FileDigest.sha256(of: Data(
            ("decode\n" + DecodeSettings.codeVersion + "\n" + settings.paramsJSON).utf8))
        let payload = Payload.frames(height: 224, width: 224, channels: 3)
        let metadata = ShardMetadata(stage: "decode", fingerprint: fingerprint, params: settings.paramsJSON,
                                     schema: Store.schemaVersion, storage: settings.storage.attribute(for: payload))
        let index = try ShardIndex.build(directory: settings.output)
        try IncompatibleOutput.check(index, against: metadata)

        // (id, video digest) already committed → skip. Digests are cached by file identity.
        let digests = DigestCache(file: settings.output.appendingPathComponent(".digests.tsv"))
        var todo: [(item: VideoItem, source: String)] = []
        for item in mine {
            do {
                let source = try Self.sourceDigest(of: item, root: dataset.root, digests: digests)
                if !index.contains(item: item.id, source: source) { todo.append((item, source)) }
            } catch {
                fail(item.id, error)
            }
        }
        try? digests.save()
        let unreadable = failures.count

        let progress = ProgressLine(total: todo.count)
        progressLine = progress
        unreadableCount = unreadable
        if !todo.isEmpty {
            DispatchQueue.concurrentPerform(iterations: min(settings.workers, todo.count)) { worker in
                let sink = ShardSink(directory: settings.output, worker: workerName(worker), metadata: metadata,
                                     payload: payload,
                                     labelCount: dataset.classes.count, layout: settings.storage.layout(for: payload),
                                     itemsPerShard: settings.itemsPerShard)
                while let (item, source) = take(todo) {
                    do {
                        try decode(item, source: source, labels: dataset.multiHot(item), into: sink)
                    } catch {
                        // A full disk stops the stage; the item is not a failure (the rerun decodes it).
                        if let code = OutOfSpace.code(of: error) { locked { stopCode = stopCode ?? code } } else { fail(item.id, error) }
                    }
                    terminal.progress(locked { progress.render(done: processed + failures.count - unreadable,
                                                               units: rows, failed: failures.count) })
                }
                do { try sink.commit() } catch {
                    // Its items are not committed: the next run decodes them again.
                    if let code = OutOfSpace.code(of: error) { locked { stopCode = stopCode ?? code } } else {
                        fail("(last shard of worker \(worker))", error)
                    }
                }
                locked { shardsWritten += sink.committed }
            }
            terminal.progress(progress.render(done: processed + failures.count - unreadable, units: rows,
                                              failed: failures.count), force: true)
        }
        if let code = stopCode {
            // Count what really is committed: items appended to a shard that could not be committed are not.
            let now = try ShardIndex.build(directory: settings.output)
            let committed = todo.filter { now.contains(item: $0.item.id, source: $0.source) }.count
            processed = committed
            outOfSpace = OutOfSpace(folder: settings.output, code: code, committed: committed,
                                    notAttempted: todo.count - committed - (failures.count - unreadable))
        } else if processed > 0 {
            ItemStage.dropSuperseded(in: settings.output, layout: settings.storage.layout(for: payload), terminal: terminal)
        }

        return StageSummary(
            stage: "decode", inputs: ["dataset": settings.datasetRoot.path, "split": "\(settings.split)"],
            shard: settings.shard.description, params: settings.paramsJSON, fingerprint: fingerprint,
            itemsInInput: dataset.items.count, itemsInShard: mine.count,
            alreadyCached: mine.count - todo.count - unreadable, processed: processed, failed: failures,
            warnings: warnings, inputProblems: dataset.problems.map { $0.localizedDescription },
            rows: rows, rowUnit: "frames", seconds: Date().timeIntervalSince(start),
            digestsComputed: digests.filesRead, shardsWritten: shardsWritten.map(\.lastPathComponent))
    }

    /// The digest of the item's input: its video file, or its frame folder's files (by content, so a
    /// copied dataset keeps its items).
    static func sourceDigest(of item: VideoItem, root: URL, digests: DigestCache) throws -> String {
        if let folder = item.imageFolder {
            return try digests.digest(ofFolder: folder, files: ImageSequence.frameFiles(in: folder, id: item.id).map(\.name))
        }
        guard FileManager.default.fileExists(atPath: item.video.path) else {
            throw DecodeFailure.missingVideo(relativePath(item.video, under: root))
        }
        return try digests.digest(of: item.video)
    }

    private func decode(_ item: VideoItem, source: String, labels: [UInt8], into sink: ShardSink) throws {
        let options = DecodeOptions(threads: settings.threads)
        let decoder = try item.imageFolder.map { try VideoDecoder(imageSequence: $0, id: item.id, options: options) }
            ?? VideoDecoder(url: item.video, options: options)
        // Frames go to the shard in parts of `Self.framesPerWrite`, so memory does not grow with the video's length.
        var pixels: [UInt8] = []
        pixels.reserveCapacity(Self.framesPerWrite * 224 * 224 * 3)
        var indices: [Int32] = []
        let planned = decoder.plannedIndices(settings.selection).count
        func takeFrame(_ frame: DecodedFrame) throws {
            pixels.append(contentsOf: frame.pixels)
            indices.append(Int32(frame.index))
            if pixels.count >= Self.framesPerWrite * frame.pixels.count {
                try pixels.withUnsafeBytes { try sink.appendRows($0) }
                pixels.removeAll(keepingCapacity: true)
            }
            // Progress inside a long video: the line updates while this item is still going.
            if let progress = progressLine {
                let (line, show) = locked { () -> (String, Bool) in
                    inFlight[item.id] = indices.count
                    let partial = inFlight.values.reduce(0, +)
                    return (progress.render(done: processed + failures.count - unreadableCount, units: rows + partial,
                                            failed: failures.count), indices.count >= 25)
                }
                if show { terminal.progress(line + "  \(item.id) \(indices.count)/\(planned) frames") }
            }
        }
        try sink.beginItem(item.id, source: source, labels: labels)
        let report: DecodeReport
        do {
            report = try decoder.decode(settings.selection, takeFrame)
            if !pixels.isEmpty { try pixels.withUnsafeBytes { try sink.appendRows($0) } }
            try sink.finishItem(frameIndex: indices)
        } catch {
            sink.cancelItem()
            locked { inFlight[item.id] = nil }
            throw error
        }
        locked { inFlight[item.id] = nil }
        var notes: [String] = []
        if report.corruptPackets > 0 { notes.append("\(report.corruptPackets) damaged packet(s) skipped") }
        if report.truncated { notes.append("file ends early") }
        if !report.missingIndices.isEmpty { notes.append("frames \(report.missingIndices) could not be decoded") }
        if indices.isEmpty { notes.append("no frames selected") }
        locked {
            processed += 1
            rows += indices.count
            warnings += notes.map { StageSummary.Warning(item: item.id, message: $0) }
        }
        for note in notes { terminal.warning("\(item.id): \(note)") }
    }

    /// Frames held before they are written: 32 (4.8 MB at 224²), two of `exact`'s 16-frame chunks.
    static let framesPerWrite = 32

    private func workerName(_ worker: Int) -> String {
        settings.shard.count == 1 ? "w\(worker)" : "s\(settings.shard.index)of\(settings.shard.count)w\(worker)"
    }

    private func take(_ todo: [(item: VideoItem, source: String)]) -> (item: VideoItem, source: String)? {
        locked {
            guard next < todo.count, stopCode == nil else { return nil }
            next += 1
            return todo[next - 1]
        }
    }

    private func fail(_ item: String, _ error: Error) {
        locked { failures.append(.init(item: item, reason: error.localizedDescription)) }
        terminal.failed(item, error.localizedDescription)
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }
}

/// Why an item could not be decoded before FFmpeg was asked.
enum DecodeFailure: Error, LocalizedError {
    /// The annotations name a video that is not there.
    case missingVideo(String)
    /// The output folder cannot be created.
    case unusableOutput(String, Error)

    var errorDescription: String? {
        switch self {
        case .unusableOutput(let path, let error):
            return "cannot create the output folder \(path): \(SystemReason.of(error)) (choose another --out)"
        case .missingVideo(let path):
            return "video file \(path) not found (the run goes on; --max-failures N lets it finish with up to N such items)"
        }
    }
}

/// `url`'s path relative to `root` when it lies under it.
func relativePath(_ url: URL, under root: URL) -> String {
    let base = root.standardizedFileURL.path + "/"
    let path = url.standardizedFileURL.path
    return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
}
