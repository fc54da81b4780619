import Foundation
import Store

/// `vimo ls` and `vimo gc`: the stage directories in a cache, their sizes, and which pipelines
/// use them (as they resolve now, or as their last run resolved them when a fingerprint is
/// pending), plus temporaries left by crashed writers.
public struct CacheInventory: Sendable {
    /// One `<cache>/<stage>/<fingerprint>/` folder.
    public struct Entry: Sendable {
        /// The stage name.
        public var stage: String
        /// The stage folder.
        public var directory: URL
        /// Bytes of all files in it.
        public var bytes: Int64
        /// Items held (item stages, when complete).
        public var items: Int?
        /// Whether a run completed there (run.json).
        public var complete: Bool
        /// Pipelines that use it.
        public var users: [String]
        /// Runs still running that planned it (`<run id> (pipeline P, pid N)`).
        public var liveRuns: [String] = []
        /// Recorded runs that produced or read it and that the retention policy keeps, newest first.
        public var keptRuns: [String] = []
        /// The newest recorded run that named it, kept or not.
        public var lastRun: String?

        /// Why gc keeps the folder, in words; empty when nothing does.
        public var reasonsToKeep: [String] {
            var reasons: [String] = []
            if !users.isEmpty { reasons.append("used by pipeline " + users.joined(separator: ", ")) }
            if !liveRuns.isEmpty { reasons.append("planned by a run in progress: " + liveRuns.joined(separator: ", ")) }
            if let newest = keptRuns.first {
                reasons.append("produced by run \(newest)" + (keptRuns.count > 1 ? " and \(keptRuns.count - 1) earlier run(s)" : ""))
            }
            return reasons
        }
    }

    /// Which recorded runs protect their folders from gc.
    public struct Retention: Sendable {
        /// Keep the folders of each pipeline's newest N runs only (nil: of every run).
        public var keepLast: Int?
        /// Runs that started longer ago than this do not protect their folders (nil: none too old).
        public var olderThan: TimeInterval?
        /// The present, for `olderThan`.
        public var now: Date

        /// Every recorded run protects its folders (the default).
        public init(keepLast: Int? = nil, olderThan: TimeInterval? = nil, now: Date = Date()) {
            self.keepLast = keepLast
            self.olderThan = olderThan
            self.now = now
        }
    }

    /// Every stage folder of the cache.
    public var entries: [Entry]

    /// Folders of the cache that are not stage entries.
    static let reserved: Set<String> = ["runs", "pipelines"]

    /// Reads the cache; `pipelines` are the definitions to resolve now (e.g. every file in
    /// `pipelines/`); every pipeline whose last run is recorded in the cache and whose file
    /// still exists counts as a user too (a shared cache serves other projects' pipelines).
    /// Runs recorded under `<cache>/runs/` protect the folders they planned or produced, as `retention`
    /// says; a run in progress always protects them.
    public static func read(workspace: Workspace, pipelines: [PipelineDefinition], retention: Retention = Retention()) -> CacheInventory {
        var users: [String: Set<String>] = [:]
        func use(_ path: String, by pipeline: String) { users[URL(fileURLWithPath: path).standardizedFileURL.path, default: []].insert(pipeline) }
        for pipeline in pipelines {
            let planner = Planner(pipeline: pipeline, workspace: workspace)
            for entry in PipelineStatus.check(planner) {
                if let directory = entry.plan?.directory { use(directory.path, by: pipeline.name) }
            }
        }
        for record in PipelineRecord.readAll(cache: workspace.cache) where FileManager.default.fileExists(atPath: record.file) {
            for stage in record.stages.values { use(stage.directory, by: record.pipeline) }
        }

        // Runs: which folders each protects.
        var live: [String: [String]] = [:], kept: [String: [String]] = [:], last: [String: String] = [:]
        let runs = RecordedRun.readAll(cache: workspace.cache)
        let groups = Dictionary(grouping: runs) { $0.pipeline + "\t" + $0.file }
        for group in groups.values {
            let newestFirst = group.sorted { $0.id > $1.id }
            for (rank, run) in newestFirst.enumerated() {
                let label = "\(run.id) (pipeline \(run.pipeline))"
                let recent = retention.olderThan.map { retention.now.timeIntervalSince(run.started) <= $0 } ?? true
                let protects = rank < (retention.keepLast ?? Int.max) && recent
                for folder in run.folders {
                    if last[folder].map({ $0 < run.id }) ?? true { last[folder] = run.id }
                    if run.live { live[folder, default: []].append(label) } else if protects { kept[folder, default: []].append(run.id) }
                }
            }
        }

        var entries: [Entry] = []
        let fm = FileManager.default
        let stages = ((try? fm.contentsOfDirectory(atPath: workspace.cache.path)) ?? []).filter {
            !$0.hasPrefix(".") && !reserved.contains($0)
        }.sorted()
        for stage in stages {
            let stageFolder = workspace.cache.appendingPathComponent(stage)
            let names = ((try? fm.contentsOfDirectory(atPath: stageFolder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
            for name in names {
                let directory = stageFolder.appendingPathComponent(name)
                guard Planner.isFolder(directory.path) else { continue }
                let record = StageRecord.read(directory: directory)
                let bytes = (try? FileListing.list(directory.path))?.reduce(Int64(0)) { $0 + $1.identity.size } ?? 0
                let path = directory.standardizedFileURL.path
                entries.append(Entry(stage: stage, directory: directory, bytes: bytes, items: record?.items,
                                     complete: record != nil, users: (users[path] ?? []).sorted(),
                                     liveRuns: live[path] ?? [], keptRuns: (kept[path] ?? []).sorted(by: >), lastRun: last[path]))
            }
        }
        return CacheInventory(entries: entries)
    }

    /// Entries nothing keeps: no pipeline uses them, no run in progress planned them, and no run the
    /// retention policy keeps produced them.
    public var unused: [Entry] { entries.filter(\.reasonsToKeep.isEmpty) }

    /// What `remove(_:workspace:)` did.
    public enum Removal: Sendable, Equatable {
        case removed
        case kept(String)
        case failed(String)
    }

    /// Deletes an unused folder under its stage lock: a folder a runner holds is kept, and so is one
    /// that a run started since the inventory was read has registered.
    public static func remove(_ entry: Entry, workspace: Workspace) -> Removal {
        let lock: StageLock
        do {
            lock = try StageLock.acquire(directory: entry.directory, holder: StageLock.holderLine(command: "vimo gc --delete"),
                                         timeout: 0, waiting: { _ in })
        } catch {
            return .kept("in use: \(error.localizedDescription)")
        }
        defer { lock.release() }
        let path = entry.directory.standardizedFileURL.path
        if let run = RecordedRun.readAll(cache: workspace.cache).first(where: { $0.live && $0.folders.contains(path) }) {
            return .kept("planned by a run that started meanwhile: \(run.id) (pipeline \(run.pipeline))")
        }
        do {
            try FileManager.default.removeItem(at: entry.directory)
            return .removed
        } catch {
            return .failed(error.localizedDescription)
        }
    }

    /// Temporaries (`*.h5.tmp`) in the cache's stage folders that no live writer owns.
    /// Deletes them unless `dryRun`; returns them either way.
    public static func staleTemporaries(workspace: Workspace, entries: [Entry], dryRun: Bool) -> [URL] {
        var found: [URL] = []
        for entry in entries {
            if dryRun {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: entry.directory.path)) ?? []
                found += names.filter { $0.hasSuffix(".tmp") }.map { entry.directory.appendingPathComponent($0) }
            } else {
                found += (try? ShardDirectory.removeStaleTemporaries(in: entry.directory)) ?? []
            }
        }
        return found
    }

    /// `1.2 GB`, `340 kB`.
    public static func size(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes), unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
