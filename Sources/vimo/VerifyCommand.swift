import ArgumentParser
import Foundation
import Pipeline
import Store

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read every committed shard back completely (checksums included) and report the damaged ones.",
        discussion: """
        With a pipeline, checks the folders its stages resolve to (--stage: only those); without one, every \
        stage folder of the cache. Each damaged or unreadable shard (truncated, empty, not HDF5, a Fletcher-32 \
        checksum mismatch) is named with the items it held. --repair moves each into <folder>/.quarantine/ \
        (one rename; name plus a UTC time), so the next `vimo run` recomputes exactly those items. \
        Exit status: 0 no damage; 1 damage found (repaired or not); 2 the cache or pipeline is unusable, or a \
        shard cannot be checked on this machine (a newer schema, a compression filter not installed).
        """)

    @Argument(help: ArgumentHelp("Pipeline name (pipelines/NAME.yaml) or .yaml file; without it every stage folder of the cache.",
                                 valueName: "pipeline"))
    var pipeline: String?
    @Option(name: .long, help: ArgumentHelp("Check only this stage's folders; repeatable.", valueName: "S"))
    var stage: [String] = []
    @Flag(name: .long, help: "Move damaged shards into <folder>/.quarantine/ so the next `vimo run` recomputes their items.")
    var repair = false
    @Option(name: .long, help: ArgumentHelp("Cache folder (default: $VIMO_CACHE, else data/cache).", valueName: "dir"))
    var cache: String?
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a var of the pipeline (repeatable).", valueName: "name=value"))
    var overrides: [String] = []

    func validate() throws {
        if pipeline == nil && !overrides.isEmpty { throw ValidationError("--set needs a pipeline to override") }
    }

    func run() throws {
        let console = Console()
        let folders: [CacheVerification.Folder]
        var notComputed: [String] = []
        let cacheURL: URL
        if let pipeline {
            var options = PipelineOptions()
            options.pipeline = pipeline
            options.cache = cache
            options.overrides = overrides
            let planner = try options.open(console: console)
            cacheURL = planner.workspace.cache
            console.line("verify: pipeline \(planner.pipeline.name) (\(Console.short(planner.pipeline.file))), cache \(Console.short(cacheURL))")
            do { (folders, notComputed) = try CacheVerification.folders(planner: planner, stages: stage) } catch {
                console.error(error.localizedDescription)
                throw ExitCode(2)
            }
        } else {
            cacheURL = Workspace.defaultCache(option: cache)
            console.line("verify: every stage folder of cache \(Console.short(cacheURL))")
            do { folders = try CacheVerification.folders(cache: cacheURL, stages: stage) } catch {
                console.error(error.localizedDescription)
                throw ExitCode(2)
            }
        }

        let holder = StageLock.holderLine(command: (["vimo"] + CommandLine.arguments.dropFirst()).joined(separator: " "))
        let width = (folders.map(\.stage.count).max() ?? 8) + 2
        var reports: [CacheVerification.FolderReport] = []
        for folder in folders {
            let report = CacheVerification.check(folder, repair: repair, holder: holder)
            reports.append(report)
            show(report, width: width, console: console)
        }
        for stage in notComputed { console.line("  " + Console.pad(stage, width) + "not computed yet: nothing to check") }
        summarise(reports, console: console)

        if reports.contains(where: { !$0.damaged.isEmpty }) { throw ExitCode(1) }
        if reports.contains(where: { !$0.uncheckable.isEmpty }) { throw ExitCode(2) }
    }

    private func show(_ report: CacheVerification.FolderReport, width: Int, console: Console) {
        let folder = "\(report.folder.stage)/\(report.folder.directory.lastPathComponent)"
        var state = report.damaged.isEmpty && report.uncheckable.isEmpty ? "ok" : "\(report.damaged.count) damaged"
        if !report.uncheckable.isEmpty { state += ", \(report.uncheckable.count) cannot be checked here" }
        if report.withoutChecksums > 0 { state += " (\(report.withoutChecksums) without checksums: read, not verified)" }
        console.line("  " + Console.pad(report.folder.stage, width) + Console.pad(folder, 30)
                     + "\(report.shards) shard(s), \(CacheInventory.size(report.bytes)): \(state)")
        let indent = "  " + String(repeating: " ", count: width) + "  "
        for damage in report.damaged {
            console.line(indent + "DAMAGED \(damage.check.url.lastPathComponent) (\(CacheInventory.size(damage.check.bytes))): "
                         + damage.check.problems.joined(separator: "; "))
            console.line(indent + "  " + Self.items(damage))
            if let moved = damage.quarantinedAs {
                console.line(indent + "  moved to \(Console.short(moved))")
            } else if let error = damage.repairError {
                console.line(indent + "  not moved: \(error)")
            }
        }
        for check in report.uncheckable {
            console.line(indent + "CANNOT CHECK \(check.url.lastPathComponent): " + check.problems.joined(separator: "; "))
        }
        if let record = report.recordSetAside {
            console.line(indent + "whole-set stage: its run record moved to \(Console.short(record)), so `vimo run` runs it again")
        }
        if let reason = report.notRepaired { console.line(indent + "not repaired: \(reason)") }
    }

    /// `items (2, from its item table): a, b`.
    private static func items(_ damage: CacheVerification.Damage) -> String {
        guard let items = damage.items else {
            return "items: unknown (its item table cannot be read and no recorded run listed the shard)"
        }
        let source = damage.itemsSource == .itemTable ? "from its item table" : "as the last run recorded them"
        let shown = items.prefix(20).joined(separator: ", ") + (items.count > 20 ? ", … (\(items.count - 20) more)" : "")
        return "items (\(items.count), \(source)): \(shown)"
    }

    private func summarise(_ reports: [CacheVerification.FolderReport], console: Console) {
        let shards = reports.reduce(0) { $0 + $1.shards }
        let bytes = reports.reduce(Int64(0)) { $0 + $1.bytes }
        let seconds = reports.reduce(0.0) { $0 + $1.seconds }
        let damaged = reports.flatMap(\.damaged)
        let rate = seconds > 0 ? String(format: "%.1f MB/s", Double(bytes) / 1e6 / seconds) : "-"
        var line = "checked \(shards) shard(s) in \(reports.count) folder(s), \(CacheInventory.size(bytes)) in "
            + String(format: "%.2f s", seconds) + " (\(rate)): "
        if damaged.isEmpty {
            line += "no damage"
        } else {
            let items = damaged.reduce(0) { $0 + ($1.items?.count ?? 0) }
            let moved = damaged.filter { $0.quarantinedAs != nil }.count
            line += "\(damaged.count) damaged (\(items) item(s))"
            line += repair
                ? "; \(moved) set aside" + (moved > 0 ? ": `vimo run` recomputes their items" : "")
                : "; `vimo verify --repair` sets them aside, then `vimo run` recomputes their items"
        }
        console.line(line)
    }
}
