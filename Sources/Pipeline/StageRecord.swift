import Core
import Foundation

/// `run.json` in a stage's cache directory, written by the runner when a run of the stage
/// completes (exit status 0): what was run, on what, and what it produced. Its presence with
/// the directory's fingerprint is what "complete" means; an item stage is up to date while its
/// inputs still match what is recorded here.
public struct StageRecord: Codable, Equatable, Sendable {
    /// The stage name.
    public var stage: String
    /// The pipeline name.
    public var pipeline: String
    /// The stage fingerprint.
    public var fingerprint: String
    /// items or whole.
    public var kind: String
    /// The code version.
    public var version: String
    /// The canonical params JSON that entered the fingerprint.
    public var params: String
    /// The command line as run (executable, subcommand, options).
    public var command: [String]
    /// Option → the folder or file handed to the stage.
    public var inputs: [String: String]
    /// For an item stage: upstream item stage → its item-index digest when this run completed.
    public var upstreamItems: [String: String]
    /// For an item stage: dataset option → content digest of the dataset when this run completed.
    public var datasets: [String: String]
    /// For an item stage: digest of the committed shard names and sizes (tells hand-made changes).
    public var outputListing: String?
    /// For an item stage shared by several datasets (copies, subsets): `option<TAB>dataset digest` →
    /// the output listing when a run over that dataset completed, for the last few datasets. A dataset
    /// seen complete is still up to date while the folder's shards have not changed since.
    public var completedDatasets: [String: String]? = nil
    /// For an item stage: digest of the sorted (item, source) pairs it holds, and how many items.
    public var itemIndex: String?
    /// Items held (item stages, when complete).
    public var items: Int?
    /// When it started (ISO 8601).
    public var startedAt: String
    /// When it ended (ISO 8601).
    public var finishedAt: String
    /// Wall-clock seconds.
    public var seconds: Double
    /// From the stage's summary, when it writes one.
    public var processed: Int?
    /// Items found already committed (item stages).
    public var alreadyCached: Int?
    /// Rows written (item stages).
    public var rows: Int?
    /// Items that failed, with their reasons.
    public var failed: [String]?

    static let fileName = "run.json"

    static func read(directory: URL) -> StageRecord? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(fileName)) else { return nil }
        return try? JSONDecoder.snakeCase.decode(StageRecord.self, from: data)
    }

    func write(directory: URL) throws {
        try AtomicFile.write(try JSONEncoder.snakeCasePretty.encode(self), to: directory.appendingPathComponent(Self.fileName))
    }
}

/// What the last run of a pipeline resolved each stage to (`<cache>/pipelines/<name>.json`): lets
/// `vimo status` say what changed since (code, params, upstream) and `vimo ls`/`gc` know which
/// cache entries a pipeline uses even while some of its fingerprints are pending.
public struct PipelineRecord: Codable, Equatable, Sendable {
    /// One stage as the last run resolved it.
    public struct Stage: Codable, Equatable, Sendable {
        /// The stage fingerprint.
        public var fingerprint: String
        /// The stage folder.
        public var directory: String
        /// The code version.
        public var version: String
        /// The canonical params JSON.
        public var params: String
        /// Param key → canonical JSON text.
        public var paramValues: [String: String]
        /// Upstream stage → token that entered the fingerprint.
        public var upstream: [String: String]
        /// Input option → content digest, for the inputs that entered by content (absent in older records).
        public var inputs: [String: String]? = nil
        /// Input option → path, as the run resolved it (absent in older records).
        public var inputPaths: [String: String]? = nil
    }
    /// The pipeline name.
    public var pipeline: String
    /// The pipeline file.
    public var file: String
    /// When the record was written.
    public var updatedAt: String
    /// One entry per stage.
    public var stages: [String: Stage]

    static func url(cache: URL, pipeline: String) -> URL {
        cache.appendingPathComponent("pipelines").appendingPathComponent(pipeline + ".json")
    }

    static func read(cache: URL, pipeline: String) -> PipelineRecord? {
        guard let data = try? Data(contentsOf: url(cache: cache, pipeline: pipeline)) else { return nil }
        return try? JSONDecoder.snakeCase.decode(PipelineRecord.self, from: data)
    }

    static func readAll(cache: URL) -> [PipelineRecord] {
        let folder = cache.appendingPathComponent("pipelines")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap {
            guard let data = try? Data(contentsOf: folder.appendingPathComponent($0)) else { return nil }
            return try? JSONDecoder.snakeCase.decode(PipelineRecord.self, from: data)
        }
    }

    func write(cache: URL) throws {
        let url = Self.url(cache: cache, pipeline: pipeline)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(try JSONEncoder.snakeCasePretty.encode(self), to: url)
    }
}

extension JSONDecoder {
    static var snakeCase: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}

extension JSONEncoder {
    static var snakeCasePretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }
}

/// ISO 8601 time stamps for records.
enum Clock {
    static func stamp(_ date: Date = Date()) -> String { ISO8601DateFormatter().string(from: date) }
}
