import ArgumentParser
import Foundation
import Pipeline

/// The options every subcommand that reads a pipeline shares.
struct PipelineOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Pipeline name (pipelines/NAME.yaml) or path to a .yaml file.", valueName: "pipeline"))
    var pipeline: String = "demo"

    @Option(name: .long, help: ArgumentHelp("Cache folder (default: $VIMO_CACHE, else data/cache).", valueName: "dir"))
    var cache: String?

    /// The pipeline file the argument names.
    func file() throws -> URL {
        let candidates = pipeline.hasSuffix(".yaml") || pipeline.hasSuffix(".yml") || pipeline.contains("/")
            ? [pipeline] : ["pipelines/\(pipeline).yaml", "pipelines/\(pipeline).yml"]
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate) {
            return URL(fileURLWithPath: candidate)
        }
        throw RunnerError.pipelineNotFound(pipeline, searched: candidates)
    }

    /// Loads the pipeline and opens the cache; prints the problem and exits 2 when either is unusable.
    func open(console: Console) throws -> Planner {
        do {
            let definition = try PipelineDefinition.load(try file())
            let workspace = try Workspace(cache: Workspace.defaultCache(option: cache), searchPath: Console.siblingFolders)
            return Planner(pipeline: definition, workspace: workspace)
        } catch {
            console.error(error.localizedDescription)
            throw ExitCode(2)
        }
    }
}

/// The runner's voice: plain lines on stdout, problems on stderr, prefixed stage output. Thread-safe.
final class Console: @unchecked Sendable {
    private let lock = NSLock()
    let quiet: Bool

    init(quiet: Bool = false) { self.quiet = quiet }

    /// The folder of this executable (the stage executables are built beside it).
    static var siblingFolders: [URL] {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return [URL(fileURLWithPath: path).deletingLastPathComponent()]
    }

    func line(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    func error(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardError.write(Data(("vimo: error: " + text + "\n").utf8))
    }

    func note(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardError.write(Data(("vimo: " + text + "\n").utf8))
    }

    /// A path relative to the current folder when inside it (shorter to read).
    static func short(_ url: URL?) -> String {
        guard let url else { return "-" }
        let here = FileManager.default.currentDirectoryPath + "/"
        return url.path.hasPrefix(here) ? String(url.path.dropFirst(here.count)) : url.path
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
