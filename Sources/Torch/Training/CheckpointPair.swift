import Core
import Foundation

/// A trainer's checkpoint: files side by side in one folder — `<name>.safetensors` (the tensors),
/// `<name>.json` (what they are: configuration, epoch, scores) and, for a resumable checkpoint,
/// `<name>.optim` (the optimiser's state).
///
/// The JSON is the commit record: it is written last and names the size and SHA-256 of every file
/// written with it, so a `.safetensors` that its `.json` does not name is never taken for the pair.
/// Every file first goes to a fsynced `.<file>.pending` sibling; then the files are renamed into place,
/// the JSON last. A crash before the renames leaves the old checkpoint whole; a crash between them
/// leaves the pending JSON, which names what it commits, and `resumePoint` completes the renames. So
/// a reader finds the old checkpoint or the new one, never a mix.
public struct CheckpointPair: Sendable {
    /// The folder holding the files.
    public let folder: URL
    /// The files' common name (`last`, `best`, `student`).
    public let name: String

    /// The checkpoint `name` in `folder`.
    public init(folder: URL, name: String) {
        self.folder = folder
        self.name = name
    }

    /// The checkpoint whose weights file is `weights` (`…/best.safetensors` is `best` in `…`).
    public init(weights: URL) {
        self.init(folder: weights.deletingLastPathComponent(), name: weights.deletingPathExtension().lastPathComponent)
    }

    /// `<name>.safetensors`.
    public var weightsURL: URL { folder.appendingPathComponent("\(name).safetensors") }
    /// `<name>.json`.
    public var sidecarURL: URL { folder.appendingPathComponent("\(name).json") }
    /// `<name>.optim`.
    public var optimizerURL: URL { folder.appendingPathComponent("\(name).optim") }

    // MARK: Writing

    /// Writes the weights, `info` and (for a resumable checkpoint) the optimiser's state, replacing the
    /// previous checkpoint of this name as one unit. Weights holding NaN or ±∞ are refused: a checkpoint
    /// on disk is always one worth resuming from.
    public func write<Info: Codable>(weights: [String: Tensor], metadata: [String: String] = [:], info: Info,
                                     optimizer: Optimizer? = nil) throws {
        try write(weights: weights, metadata: metadata, info: info, optimizer: optimizer, interrupt: { _ in })
    }

    /// The points of a write where a test may stop it, as a crash would.
    enum WriteStep { case membersWritten, pendingWritten, weightsRenamed, optimizerRenamed }

    func write<Info: Codable>(weights: [String: Tensor], metadata: [String: String], info: Info, optimizer: Optimizer?,
                              interrupt: (WriteStep) throws -> Void) throws {
        try Torch.requireFinite(weights, file: weightsURL.path)
        // A pending JSON left by an earlier interrupted write must not outlive the files it named.
        try? FileManager.default.removeItem(at: pending(sidecarURL))

        // The description travels inside the weights too, so a `.safetensors` copied alone still loads (`loadInfo`).
        var embedded = metadata
        embedded[Self.infoKey] = try Self.embeddable(info)
        // The training run's fingerprint, when the runner started it (the same locally and on Slurm).
        if let fingerprint = StageEnvironment.fingerprint {
            embedded["vimo.fingerprint"] = fingerprint
        }
        try Torch.saveSafetensors(weights, metadata: embedded, to: pending(weightsURL))
        var members = [weightsURL]
        if let optimizer {
            try optimizer.save(to: pending(optimizerURL))
            try synchronize(pending(optimizerURL))
            members.append(optimizerURL)
        }
        var stamps: [String: FileStamp] = [:]
        for member in members { stamps[member.lastPathComponent] = try FileStamp(of: pending(member)) }
        let json = try Self.encoder.encode(Record(info: info, files: stamps))
        try interrupt(.membersWritten)
        // From here the write is committed: a crash is completed by `resumePoint`.
        try AtomicFile.write(to: pending(sidecarURL)) { try $0.write(contentsOf: json) }
        try interrupt(.pendingWritten)

        try move(pending(weightsURL), to: weightsURL)
        try interrupt(.weightsRenamed)
        if optimizer != nil {
            try move(pending(optimizerURL), to: optimizerURL)
            try interrupt(.optimizerRenamed)
        }
        try move(pending(sidecarURL), to: sidecarURL)
        synchronizeFolder()
    }

    // MARK: Reading

    /// The checkpoint's description, after checking that its JSON names exactly the files beside it.
    /// Throws `CheckpointPairError` naming the file that is missing or does not belong.
    public func read<Info: Codable>(_ type: Info.Type) throws -> Info {
        let files = FileManager.default
        guard files.fileExists(atPath: weightsURL.path) else { throw CheckpointPairError.missingWeights(weightsURL.path) }
        guard files.fileExists(atPath: sidecarURL.path) else {
            throw CheckpointPairError.missingSidecar(weights: weightsURL.path, sidecar: sidecarURL.path)
        }
        let record = try decode(Info.self, from: sidecarURL)
        try verify(record.files, in: { folder.appendingPathComponent($0) }, sidecar: sidecarURL)
        return record.info
    }

    /// The safetensors metadata key under which `write` embeds the description (the sidecar's info, as JSON).
    public static let infoKey = "vimo.info"

    /// The description as embedded: the sidecar's info with its `settings` (the command line that made
    /// it, cache paths included) left empty, so one training run in two caches (locally, on Slurm) still
    /// writes byte-identical weights. The settings stay in the sidecar.
    static func embeddable<Info: Codable>(_ info: Info) throws -> String {
        let data = try encoder.encode(info)
        guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any], object["settings"] is [String: Any] else {
            return String(decoding: data, as: UTF8.self)
        }
        object["settings"] = [String: Any]()
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// The description for using the weights (scoring, embedding; not resuming): the sidecar's, checked
    /// against the files as `read` does, or, for a `.safetensors` copied without its sidecar, the one
    /// `write` embedded in its metadata. Weights from before the embedding, alone, still fail as `read` does.
    public func loadInfo<Info: Codable>(_ type: Info.Type) throws -> Info {
        let files = FileManager.default
        guard files.fileExists(atPath: weightsURL.path), !files.fileExists(atPath: sidecarURL.path) else { return try read(type) }
        guard let text = try CheckpointReader.readSafetensors(weightsURL).metadata[Self.infoKey] else {
            throw CheckpointPairError.missingSidecar(weights: weightsURL.path, sidecar: sidecarURL.path)
        }
        do { return try Self.decoder.decode(Info.self, from: Data(text.utf8)) } catch {
            throw CheckpointPairError.unreadableSidecar("\(weightsURL.path) (metadata \(Self.infoKey))", JSONProblem.describe(error))
        }
    }

    /// Where a trainer resumes: completes a write a crash interrupted, then reads the checkpoint.
    public func resumePoint<Info: Codable>(_ type: Info.Type) -> ResumePoint<Info> {
        let completion = completeInterruptedWrite(Info.self)
        let files = FileManager.default
        guard files.fileExists(atPath: weightsURL.path) || files.fileExists(atPath: sidecarURL.path) else { return .none }
        do {
            return .found(try read(Info.self))
        } catch {
            return .unusable(error.localizedDescription + (completion.map { " (\($0))" } ?? ""))
        }
    }

    /// Renames the pending files of an interrupted write into place when the pending JSON names them
    /// all (the write got as far as its renames); otherwise leaves the checkpoint as it is. Returns why
    /// it could not, if it tried.
    private func completeInterruptedWrite<Info: Codable>(_ type: Info.Type) -> String? {
        guard FileManager.default.fileExists(atPath: pending(sidecarURL).path) else {
            // Files of a write that stopped before its JSON: never part of a checkpoint.
            for orphan in [weightsURL, optimizerURL] { try? FileManager.default.removeItem(at: pending(orphan)) }
            return nil
        }
        do {
            let record = try decode(Info.self, from: pending(sidecarURL))
            for file in record.files.keys.sorted() {
                let final = folder.appendingPathComponent(file)
                if (try? FileStamp(of: final)) == record.files[file] {
                    try? FileManager.default.removeItem(at: pending(final))   // renamed, or written identical
                    continue
                }
                guard (try? FileStamp(of: pending(final))) == record.files[file] else {
                    // Not the files this JSON was written with: the checkpoint in place is the one to keep.
                    for orphan in [sidecarURL, weightsURL, optimizerURL] { try? FileManager.default.removeItem(at: pending(orphan)) }
                    return nil
                }
                try move(pending(final), to: final)
            }
            try move(pending(sidecarURL), to: sidecarURL)
            synchronizeFolder()
            return nil
        } catch {
            return "completing an interrupted write failed: \(error.localizedDescription)"
        }
    }

    private func verify(_ stamps: [String: FileStamp], in location: (String) -> URL, sidecar: URL) throws {
        guard stamps[weightsURL.lastPathComponent] != nil else {
            throw CheckpointPairError.unmatched(file: weightsURL.path, sidecar: sidecar.path,
                                                detail: "it does not name \(weightsURL.lastPathComponent)")
        }
        for (file, expected) in stamps.sorted(by: { $0.key < $1.key }) {
            let url = location(file)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw CheckpointPairError.missingMember(sidecar: sidecar.path, file: url.path)
            }
            let actual = try FileStamp(of: url)
            guard actual == expected else {
                let detail = actual.bytes != expected.bytes
                    ? "it was written with a \(file) of \(expected.bytes) bytes, the one beside it has \(actual.bytes)"
                    : "it was written with another \(file) (the SHA-256 differs)"
                throw CheckpointPairError.unmatched(file: url.path, sidecar: sidecar.path, detail: detail)
            }
        }
    }

    // MARK: Files

    private func pending(_ url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).pending")
    }

    private func move(_ from: URL, to: URL) throws {
        guard rename(from.path, to.path) == 0 else {
            throw CheckpointError.cannotAccess(file: to.path, reason: "renaming \(from.lastPathComponent) into place: "
                                               + String(cString: strerror(errno)))
        }
    }

    private func synchronize(_ url: URL) throws {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else {
            throw CheckpointError.cannotAccess(file: url.path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw CheckpointError.cannotAccess(file: url.path, reason: "fsync: " + String(cString: strerror(errno)))
        }
    }

    /// Persists the renames (best effort: some filesystems refuse to fsync a folder).
    private func synchronizeFolder() {
        let descriptor = open(folder.path, O_RDONLY)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    // MARK: JSON

    /// NaN and ±∞ (a validation score that is undefined, say) are written as strings, never an encoding failure.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                      negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity",
                                                                        negativeInfinity: "-Infinity", nan: "NaN")
        return decoder
    }

    private func decode<Info: Codable>(_ type: Info.Type, from url: URL) throws -> Record<Info> {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CheckpointPairError.unreadableSidecar(url.path, error.localizedDescription)
        }
        do { return try Self.decoder.decode(Record<Info>.self, from: data) } catch {
            throw CheckpointPairError.unreadableSidecar(url.path, JSONProblem.describe(error))
        }
    }
}

/// Where a trainer starts from.
public enum ResumePoint<Info> {
    /// No checkpoint has been written yet.
    case none
    /// Files that do not form a checkpoint (a sentence says why); training starts over.
    case unusable(String)
    /// A checkpoint whose files all belong together.
    case found(Info)
}

/// A file's size and SHA-256, as a checkpoint's JSON records it.
struct FileStamp: Codable, Equatable {
    var bytes: Int
    var sha256: String

    init(of url: URL) throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        bytes = (attributes[.size] as? NSNumber)?.intValue ?? -1
        sha256 = try FileDigest.sha256(of: url)
    }
}

/// The JSON of a checkpoint: the trainer's description at the top level, plus `files`.
private struct Record<Info: Codable>: Codable {
    var info: Info
    var files: [String: FileStamp]

    private enum Keys: String, CodingKey { case files }

    init(info: Info, files: [String: FileStamp]) {
        self.info = info
        self.files = files
    }

    init(from decoder: Decoder) throws {
        info = try Info(from: decoder)
        files = try decoder.container(keyedBy: Keys.self).decodeIfPresent([String: FileStamp].self, forKey: .files) ?? [:]
    }

    func encode(to encoder: Encoder) throws {
        try info.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(files, forKey: .files)
    }
}

/// A decoding error in words (which key, what was wrong), not Foundation's generic sentence.
enum JSONProblem {
    static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return error.localizedDescription }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let at = path(context)
            return "no \"\(key.stringValue)\"" + (at.isEmpty ? "" : " in \(at)")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let at = path(context)
            return (at.isEmpty ? "" : "\(at): ") + context.debugDescription
        @unknown default:
            return error.localizedDescription
        }
    }
}

/// Why a checkpoint's files cannot be used together; every case names the file concerned.
public enum CheckpointPairError: Error, LocalizedError, Equatable {
    /// The weights file is not there.
    case missingWeights(String)
    /// The weights file has no JSON beside it.
    case missingSidecar(weights: String, sidecar: String)
    /// The JSON cannot be read or decoded.
    case unreadableSidecar(String, String)
    /// The JSON describes other files than the ones beside it.
    case unmatched(file: String, sidecar: String, detail: String)
    /// A file the JSON names is not there.
    case missingMember(sidecar: String, file: String)

    /// A sentence naming the file and what to do.
    public var errorDescription: String? {
        switch self {
        case .missingWeights(let path):
            return "\(path): no such checkpoint (train first, or give the path of an existing .safetensors)"
        case .missingSidecar(let weights, let sidecar):
            return "\(weights) has no \((sidecar as NSString).lastPathComponent) beside it (it holds the configuration) and "
                + "carries none itself (written before vimo embedded it, or not by vimo): an interrupted or partial copy; "
                + "copy both files, or run the training command again"
        case .unreadableSidecar(let path, let reason):
            return "\(path): not a checkpoint description: \(reason)"
        case .unmatched(let file, let sidecar, let detail):
            return "\(file) does not belong to \(sidecar): \(detail) (files of different runs, or an interrupted "
                + "write); copy the files of one checkpoint together, or run the training command again"
        case .missingMember(let sidecar, let file):
            return "\(file): missing, though \(sidecar) names it; copy the files of one checkpoint together"
        }
    }
}
