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
    }

    /// Every stage folder of the cache.
    public var entries: [Entry]

    /// Folders of the cache that are not stage entries.
    static let reserved: Set<String> = ["runs", "pipelines"]

    /// Reads the cache; `pipelines` are the definitions to resolve now (e.g. every file in
    /// `pipelines/`); every pipeline whose last run is recorded in the cache and whose file
    /// still exists counts as a user too (a shared cache serves other projects' pipelines).
    public static func read(workspace: Workspace, pipelines: [PipelineDefinition]) -> CacheInventory {
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
                entries.append(Entry(stage: stage, directory: directory, bytes: bytes, items: record?.items,
                                     complete: record != nil,
                                     users: (users[directory.standardizedFileURL.path] ?? []).sorted()))
            }
        }
        return CacheInventory(entries: entries)
    }

    /// Entries no pipeline uses.
    public var unused: [Entry] { entries.filter(\.users.isEmpty) }

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
