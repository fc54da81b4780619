import Core
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The stage folders one `vimo run` plans to produce or read, written to `<run folder>/uses.json`
/// as each stage is planned — before it runs, not when the run ends — so that `vimo gc`
/// never deletes what a live runner is about to use, and afterwards knows which run produced what.
public struct RunUses: Codable, Sendable {
    /// The pipeline name.
    public var pipeline: String
    /// The pipeline file.
    public var file: String
    /// The host the runner runs on.
    public var host: String
    /// The runner's process id.
    public var pid: Int32
    /// When the run started (ISO 8601).
    public var startedAt: String
    /// The stage folders, in the order they were planned.
    public var folders: [String]

    static let fileName = "uses.json"

    func write(to runFolder: URL) throws {
        try AtomicFile.write(try JSONEncoder.snakeCasePretty.encode(self), to: runFolder.appendingPathComponent(Self.fileName))
    }

    /// Whether the runner that wrote this still runs (same host, the process exists).
    public var isLive: Bool {
        host == ProcessInfo.processInfo.hostName && (kill(pid, 0) == 0 || errno == EPERM)
    }
}

/// One recorded run, as `vimo gc` sees it: when, which pipeline, which folders, whether it still runs.
public struct RecordedRun: Sendable {
    /// The run folder's name (`<time>-<pid>`), which sorts by start time.
    public var id: String
    /// The pipeline name.
    public var pipeline: String
    /// The pipeline file.
    public var file: String
    /// When it started.
    public var started: Date
    /// The stage folders it planned, produced or read.
    public var folders: Set<String>
    /// Whether its runner is still running (it has no final record yet and its process exists).
    public var live: Bool

    /// Every run under `<cache>/runs/`, oldest first: from `uses.json`, or from `record.json` for runs
    /// recorded before uses files existed.
    static func readAll(cache: URL) -> [RecordedRun] {
        let runs = cache.appendingPathComponent("runs")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []).sorted()
        var result: [RecordedRun] = []
        for name in names {
            let folder = runs.appendingPathComponent(name)
            let finished = try? JSONDecoder.snakeCase.decode(RunRecord.self, from: Data(contentsOf: folder.appendingPathComponent("record.json")))
            let uses = try? JSONDecoder.snakeCase.decode(RunUses.self, from: Data(contentsOf: folder.appendingPathComponent(RunUses.fileName)))
            guard finished != nil || uses != nil else { continue }
            var folders = Set(uses?.folders ?? [])
            for stage in finished?.stages ?? [] { if let directory = stage.directory { folders.insert(directory) } }
            let stamp = uses?.startedAt ?? finished?.startedAt ?? ""
            result.append(RecordedRun(
                id: name, pipeline: uses?.pipeline ?? finished?.pipeline ?? "?", file: uses?.file ?? finished?.file ?? "",
                started: ISO8601DateFormatter().date(from: stamp) ?? Date.distantPast,
                folders: Set(folders.map { URL(fileURLWithPath: $0).standardizedFileURL.path }),
                live: finished == nil && (uses?.isLive ?? false)))
        }
        return result
    }
}
