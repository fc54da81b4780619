import ArgumentParser
import Foundation
import Pipeline

/// The options of the commands that look at a whole cache.
struct CacheOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Cache folder (default: $VIMO_CACHE, else data/cache).", valueName: "dir"))
    var cache: String?
    @Option(name: .long, help: ArgumentHelp("Folder of pipeline files whose stages count as users.", valueName: "dir"))
    var pipelines: String = "pipelines"

    func inventory(console: Console, retention: CacheInventory.Retention = .init()) throws -> (Workspace, CacheInventory) {
        let workspace: Workspace
        do {
            workspace = try Workspace(cache: Workspace.defaultCache(option: cache), searchPath: Console.siblingFolders)
        } catch {
            console.error(error.localizedDescription)
            throw ExitCode(2)
        }
        var definitions: [PipelineDefinition] = []
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: pipelines)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        for name in names {
            do { definitions.append(try PipelineDefinition.load(URL(fileURLWithPath: pipelines).appendingPathComponent(name))) } catch {
                console.note("skipping \(name): \(error.localizedDescription)")
            }
        }
        return (workspace, CacheInventory.read(workspace: workspace, pipelines: definitions, retention: retention))
    }
}

struct Ls: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the cache's stage folders with their sizes, item counts and the pipelines that use them.")

    @OptionGroup var options: CacheOptions

    func run() throws {
        let console = Console()
        let (workspace, inventory) = try options.inventory(console: console)
        console.line("cache \(Console.short(workspace.cache))")
        var total: Int64 = 0
        for entry in inventory.entries {
            total += entry.bytes
            let state = entry.complete ? (entry.items.map { "\($0) items" } ?? "complete") : "incomplete"
            console.line("  " + Console.pad("\(entry.stage)/\(entry.directory.lastPathComponent)", 36)
                         + Console.pad(CacheInventory.size(entry.bytes), 10) + Console.pad(state, 14)
                         + (entry.reasonsToKeep.isEmpty ? "unused" : entry.reasonsToKeep.joined(separator: "; ")))
        }
        console.line("\(inventory.entries.count) folder(s), \(CacheInventory.size(total)); unused: \(inventory.unused.count) "
                     + "(\(CacheInventory.size(inventory.unused.reduce(0) { $0 + $1.bytes })); `vimo gc --delete` removes them)")
    }
}

struct Gc: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove cache folders nothing keeps, and temporaries left by crashed writers (a dry run unless --delete).",
        discussion: """
        A folder is kept while a pipeline in --pipelines resolves to it, while a run in progress planned it \
        (runs register their folders as they plan them, before they run), or while any recorded run \
        (<cache>/runs/) produced or read it. --keep-last N keeps only each pipeline's newest N runs' folders; \
        --older-than DAYS lets runs older than that go. Each folder is locked before it is deleted; one that \
        a runner holds is kept. The dry run says for every folder why it stays or would go.

        Exit status: 0 done (or nothing to do); 2 the cache cannot be used; 64 invalid options.
        """)

    @OptionGroup var options: CacheOptions
    @Flag(name: .long, help: "Really delete (default: only list what would go).") var delete = false
    @Option(name: .long, help: ArgumentHelp("Keep only the folders of each pipeline's newest N recorded runs.", valueName: "N"))
    var keepLast: Int?
    @Option(name: .long, help: ArgumentHelp("Recorded runs older than this many days no longer keep their folders.", valueName: "days"))
    var olderThan: Double?

    func validate() throws {
        if let keepLast, keepLast < 0 { throw ValidationError("--keep-last must be 0 or more") }
        if let olderThan, olderThan < 0 { throw ValidationError("--older-than must be 0 or more days") }
    }

    func run() throws {
        let console = Console()
        let retention = CacheInventory.Retention(keepLast: keepLast, olderThan: olderThan.map { $0 * 86_400 })
        let (workspace, inventory) = try options.inventory(console: console, retention: retention)
        var freed: Int64 = 0
        for entry in inventory.entries {
            let name = "\(Console.short(entry.directory)) (\(CacheInventory.size(entry.bytes)))"
            let reasons = entry.reasonsToKeep
            guard reasons.isEmpty else {
                console.line("keep \(name): " + reasons.joined(separator: "; "))
                continue
            }
            let why = "no pipeline uses it" + (entry.lastRun.map { "; its newest run \($0) is past the retention" } ?? "; no recorded run names it")
            guard delete else {
                console.line("would remove \(name): \(why)")
                freed += entry.bytes
                continue
            }
            switch CacheInventory.remove(entry, workspace: workspace) {
            case .removed:
                freed += entry.bytes
                console.line("removed \(name): \(why)")
            case .kept(let reason):
                console.line("keep \(name): \(reason)")
            case .failed(let reason):
                console.error("cannot remove \(entry.directory.path): \(reason)")
            }
        }
        let kept = inventory.entries.filter { !$0.reasonsToKeep.isEmpty }
        for temporary in CacheInventory.staleTemporaries(workspace: workspace, entries: kept, dryRun: !delete) {
            console.line((delete ? "removed " : "temporary (removed if its writer is gone) ") + Console.short(temporary))
        }
        console.line(delete ? "freed \(CacheInventory.size(freed))" : "would free \(CacheInventory.size(freed)); run with --delete to remove")
    }
}
