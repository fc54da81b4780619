import Foundation
import Store

/// `vimo verify`: every committed shard of the chosen stage folders read back completely (so every
/// Fletcher-32 checksum is verified, DESIGN.md §5b), each damaged one reported with the items it held,
/// and, on repair, set aside in `<folder>/.quarantine/` so that the next `vimo run` recomputes exactly
/// those items: an item stage's folder then no longer matches its recorded shard listing (status:
/// "shards were added or removed"), and the stage skips every item still committed.
public enum CacheVerification {
    /// One stage folder to check.
    public struct Folder: Sendable, Equatable {
        /// The stage name (the folder's parent).
        public var stage: String
        /// `<cache>/<stage>/<fingerprint>/`.
        public var directory: URL

        /// A folder of `stage`.
        public init(stage: String, directory: URL) {
            self.stage = stage
            self.directory = directory
        }
    }

    /// Where the items of a damaged shard were learned.
    public enum ItemsSource: Sendable, Equatable {
        /// The shard's own item table, which still reads.
        case itemTable
        /// The shard listing saved when the folder's last run was recorded.
        case lastRun
        /// Neither: the item table is unreadable and no run recorded the shard.
        case unknown
    }

    /// A damaged shard and what became of it.
    public struct Damage: Sendable {
        /// What the check found (file, size, problems).
        public var check: ShardCheck
        /// The items it held, nil when unknown.
        public var items: [String]?
        /// Where `items` come from.
        public var itemsSource: ItemsSource
        /// Where a repair moved it.
        public var quarantinedAs: URL?
        /// Why a repair could not move it.
        public var repairError: String?
    }

    /// What checking one folder found (and did).
    public struct FolderReport: Sendable {
        /// The folder.
        public var folder: Folder
        /// Committed shards checked.
        public var shards = 0
        /// Their bytes.
        public var bytes: Int64 = 0
        /// Seconds spent reading them.
        public var seconds = 0.0
        /// Damaged shards, in name order.
        public var damaged: [Damage] = []
        /// Shards that could not be judged here (a newer schema, a filter not installed, no permission).
        public var uncheckable: [ShardCheck] = []
        /// Intact shards whose payload has no checksums (written before they existed): read, not verified.
        public var withoutChecksums = 0
        /// A whole-set stage's run record, set aside with its damaged shard so the stage runs again.
        public var recordSetAside: URL?
        /// Why damage found here was not repaired (the folder is in use by a runner).
        public var notRepaired: String?
    }

    /// Every stage folder of `cache` (`<cache>/<stage>/<fingerprint>/`; `runs/`, `pipelines/` and dot
    /// folders are not stages), those of `stages` only when it is not empty. Throws when the cache or a
    /// named stage has no folder.
    public static func folders(cache: URL, stages: [String] = []) throws -> [Folder] {
        let fm = FileManager.default
        guard Planner.isFolder(cache.path) else { throw VerifyError.noCache(cache.path) }
        let names = ((try? fm.contentsOfDirectory(atPath: cache.path)) ?? []).filter {
            !$0.hasPrefix(".") && !CacheInventory.reserved.contains($0) && Planner.isFolder(cache.appendingPathComponent($0).path)
        }.sorted()
        if let unknown = stages.first(where: { !names.contains($0) }) {
            throw VerifyError.unknownStage(unknown, known: names, where: "the cache \(cache.path)")
        }
        var folders: [Folder] = []
        for stage in names where stages.isEmpty || stages.contains(stage) {
            let base = cache.appendingPathComponent(stage)
            for name in ((try? fm.contentsOfDirectory(atPath: base.path)) ?? []).sorted() where !name.hasPrefix(".") {
                let directory = base.appendingPathComponent(name)
                if Planner.isFolder(directory.path) { folders.append(Folder(stage: stage, directory: directory)) }
            }
        }
        return folders
    }

    /// The folders a pipeline's stages resolve to (all stages, or `stages`), with the stages that have
    /// nothing to check yet. A stage waiting for upstream stages is checked in the folder its last run
    /// used. Throws for a stage name the pipeline lacks or a stage that cannot be planned.
    public static func folders(planner: Planner, stages: [String] = []) throws -> (folders: [Folder], notComputed: [String]) {
        let known = planner.pipeline.stages.map(\.name)
        if let unknown = stages.first(where: { !known.contains($0) }) {
            throw VerifyError.unknownStage(unknown, known: known, where: "pipeline \(planner.pipeline.name)")
        }
        var folders: [Folder] = [], notComputed: [String] = []
        for entry in PipelineStatus.check(planner) where stages.isEmpty || stages.contains(entry.stage) {
            guard let plan = entry.plan else { throw VerifyError.cannotPlan(entry.stage, entry.error ?? "unknown reason") }
            let directory = plan.directory ?? planner.previous?.stages[entry.stage].map { URL(fileURLWithPath: $0.directory) }
            if let directory, Planner.isFolder(directory.path) {
                folders.append(Folder(stage: entry.stage, directory: directory))
            } else {
                notComputed.append(entry.stage)
            }
        }
        return (folders, notComputed)
    }

    /// Reads every committed shard of `folder` completely (`shardChecked` is told of each); with
    /// `repair`, takes the folder's stage lock (without waiting: a folder in use is reported, not touched)
    /// and moves each damaged shard into `.quarantine/`, and a whole-set stage's `run.json` with it.
    public static func check(_ folder: Folder, repair: Bool, holder: String,
                             shardChecked: (ShardCheck) -> Void = { _ in }) -> FolderReport {
        var report = FolderReport(folder: folder)
        let started = Date()
        let shards = (try? ShardDirectory.committedShards(in: folder.directory)) ?? []
        var listedItems: [String: [String]]?
        for shard in shards {
            let check = ShardCheck.read(shard)
            shardChecked(check)
            switch check.verdict {
            case .vanished:
                continue
            case .intact:
                if !check.checksummed { report.withoutChecksums += 1 }
            case .uncheckable:
                report.uncheckable.append(check)
            case .damaged:
                var damage = Damage(check: check, items: check.items, itemsSource: .itemTable)
                if check.items == nil {
                    listedItems = listedItems ?? ShardListing.savedItems(directory: folder.directory)
                    damage.items = listedItems?[shard.lastPathComponent]
                    damage.itemsSource = damage.items == nil ? .unknown : .lastRun
                }
                report.damaged.append(damage)
            }
            report.shards += 1
            report.bytes += check.bytes
        }
        report.seconds = Date().timeIntervalSince(started)
        if repair && !report.damaged.isEmpty { setAside(&report, holder: holder) }
        return report
    }

    /// Moves the damaged shards of `report` (and a whole-set stage's record) into quarantine under the stage lock.
    private static func setAside(_ report: inout FolderReport, holder: String) {
        let directory = report.folder.directory
        let lock: StageLock
        do {
            lock = try StageLock.acquire(directory: directory, holder: holder, timeout: 0, waiting: { _ in })
        } catch {
            report.notRepaired = "the folder is in use (\(error.localizedDescription)); run `vimo verify --repair` again when it is free"
            return
        }
        defer { lock.release() }
        var moved = false
        for index in report.damaged.indices {
            do {
                report.damaged[index].quarantinedAs = try ShardDirectory.quarantine(report.damaged[index].check.url)
                moved = true
            } catch {
                report.damaged[index].repairError = error.localizedDescription
            }
        }
        // A whole-set stage's record says its outputs are complete; without it the stage runs again.
        let record = directory.appendingPathComponent(StageRecord.fileName)
        if moved, StageRecord.read(directory: directory)?.kind == StageKind.whole.rawValue {
            report.recordSetAside = try? ShardDirectory.quarantine(record)
        }
    }
}

/// Why `vimo verify` cannot check what it was asked to.
public enum VerifyError: Error, LocalizedError {
    /// The cache folder does not exist.
    case noCache(String)
    /// A `--stage` that has no folder in the cache or is not in the pipeline.
    case unknownStage(String, known: [String], where: String)
    /// A pipeline stage that cannot be planned, so its folder is unknown.
    case cannotPlan(String, String)

    /// The problem and what to do.
    public var errorDescription: String? {
        switch self {
        case .noCache(let path):
            return "no cache at \(path) (give --cache DIR, or set $VIMO_CACHE)"
        case .unknownStage(let stage, let known, let place):
            return "no stage '\(stage)' in \(place) (it has: \(known.isEmpty ? "none" : known.joined(separator: ", ")))"
        case .cannotPlan(let stage, let reason):
            return "stage \(stage) cannot be planned, so its folder is unknown: \(reason)"
        }
    }
}
