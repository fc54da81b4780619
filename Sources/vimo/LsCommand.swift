import ArgumentParser
import Foundation
import Pipeline

/// The options of the commands that look at a whole cache.
struct CacheOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Cache folder (default: $VIMO_CACHE, else data/cache).", valueName: "dir"))
    var cache: String?
    @Option(name: .long, help: ArgumentHelp("Folder of pipeline files whose stages count as users.", valueName: "dir"))
    var pipelines: String = "pipelines"

    func inventory(console: Console) throws -> (Workspace, CacheInventory) {
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
        return (workspace, CacheInventory.read(workspace: workspace, pipelines: definitions))
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
                         + (entry.users.isEmpty ? "unused" : "used by " + entry.users.joined(separator: ", ")))
        }
        console.line("\(inventory.entries.count) folder(s), \(CacheInventory.size(total)); unused: \(inventory.unused.count) "
                     + "(\(CacheInventory.size(inventory.unused.reduce(0) { $0 + $1.bytes })); `vimo gc --delete` removes them)")
    }
}

struct Gc: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove cache folders no pipeline uses, and temporaries left by crashed writers (a dry run unless --delete).")

    @OptionGroup var options: CacheOptions
    @Flag(name: .long, help: "Really delete (default: only list what would go).") var delete = false

    func run() throws {
        let console = Console()
        let (workspace, inventory) = try options.inventory(console: console)
        var freed: Int64 = 0
        for entry in inventory.unused {
            if let holder = StageLock.currentHolder(directory: entry.directory) {
                console.note("keeping \(Console.short(entry.directory)): in use by \(holder)")
                continue
            }
            freed += entry.bytes
            if delete {
                do { try FileManager.default.removeItem(at: entry.directory) } catch {
                    console.error("cannot remove \(entry.directory.path): \(error.localizedDescription)")
                    continue
                }
                console.line("removed \(Console.short(entry.directory)) (\(CacheInventory.size(entry.bytes)))")
            } else {
                console.line("would remove \(Console.short(entry.directory)) (\(CacheInventory.size(entry.bytes)))")
            }
        }
        let used = inventory.entries.filter { !$0.users.isEmpty }
        for temporary in CacheInventory.staleTemporaries(workspace: workspace, entries: used, dryRun: !delete) {
            console.line((delete ? "removed " : "temporary (removed if its writer is gone) ") + Console.short(temporary))
        }
        console.line(delete ? "freed \(CacheInventory.size(freed))" : "would free \(CacheInventory.size(freed)); run with --delete to remove")
    }
}
