import ArgumentParser
import Core
import Foundation
import Pipeline

/// The options every subcommand that reads a pipeline shares.
struct PipelineOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Pipeline name (pipelines/NAME.yaml) or path to a .yaml file.", valueName: "pipeline"))
    var pipeline: String = "demo"

    @Option(name: .long, help: ArgumentHelp("Cache folder (default: $VIMO_CACHE, else data/cache).", valueName: "dir"))
    var cache: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a var of the pipeline (repeatable).", valueName: "name=value"))
    var overrides: [String] = []

    /// The pipeline file the argument names.
    func file() throws -> URL {
        let candidates = pipeline.hasSuffix(".yaml") || pipeline.hasSuffix(".yml") || pipeline.contains("/")
            ? [pipeline] : ["pipelines/\(pipeline).yaml", "pipelines/\(pipeline).yml"]
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate) {
            return URL(fileURLWithPath: candidate)
        }
        throw RunnerError.pipelineNotFound(pipeline, searched: candidates)
    }

    /// The pipeline with the `--set` overrides applied (as a file that extends it would).
    func load() throws -> PipelineDefinition {
        let url = try file()
        let base = try PipelineDefinition.load(url)
        guard !overrides.isEmpty else { return base }
        var text = "extends: \(JSONText.quoted(url.lastPathComponent))\nvars:\n"
        for assignment in overrides {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw PipelineError(location: nil, key: url.path, message: "--set takes name=value, not '\(assignment)'")
            }
            guard base.vars[String(assignment[..<equals])] != nil else {
                throw PipelineError(location: nil, key: url.path,
                                    message: "--set \(assignment[..<equals]): the pipeline has no var '\(assignment[..<equals])' "
                                        + "(it has: \(base.vars.keys.sorted().joined(separator: ", ")))")
            }
            let value = String(assignment[assignment.index(after: equals)...])
            text += "  \(assignment[..<equals]): \(CanonicalYAML.scalar(value))\n"
        }
        let stem = url.deletingPathExtension().lastPathComponent
        var definition = try PipelineDefinition.parse(
            yaml: text, file: url.deletingLastPathComponent().appendingPathComponent(stem + ".overrides"))
        definition.file = url
        return definition
    }

    /// The same with the stages `GPUPlacement` puts on GPUs under `run` (`--executor`, `--slurm-*`,
    /// the environment) given `device: cuda`, so `vimo run` and `vimo status` plan the same folders.
    func open(console: Console, placing run: RunOptions) throws -> Planner {
        let definition: PipelineDefinition
        do { definition = try GPUPlacement.apply(to: load(), options: run) } catch {
            console.error(error.localizedDescription)
            throw ExitCode(2)
        }
        return try open(console: console, definition: definition)
    }

    /// Loads the pipeline (unless given) and opens the cache; prints the problem and exits 2 when
    /// either is unusable.
    func open(console: Console, definition loaded: PipelineDefinition? = nil) throws -> Planner {
        do {
            let definition = try loaded ?? load()
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

    /// A console; also makes a write over the file-size limit (`ulimit -f`) an EFBIG error instead of a
    /// SIGXFSZ death, for the runner and, through exec, for the stage processes it starts.
    init(quiet: Bool = false) {
        self.quiet = quiet
        signal(SIGXFSZ, SIG_IGN)
    }

    /// The folder of this executable (the stage executables are built beside it).
    static var siblingFolders: [URL] {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return [URL(fileURLWithPath: path).deletingLastPathComponent()]
    }

    func line(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        try? FileHandle.standardOutput.write(contentsOf: Data((text + "\n").utf8))  // never trap on a full or closed stream
    }

    func error(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        try? FileHandle.standardError.write(contentsOf: Data(("vimo: error: " + text + "\n").utf8))  // never trap on a full or closed stream
    }

    func note(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        try? FileHandle.standardError.write(contentsOf: Data(("vimo: " + text + "\n").utf8))  // never trap on a full or closed stream
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

/// Writing a `--set` value into YAML: numbers and booleans as they are, anything else as a
/// double-quoted string (JSON's escapes are YAML's).
enum CanonicalYAML {
    static func scalar(_ value: String) -> String {
        if Int(value) != nil || (Double(value) != nil && !value.lowercased().contains("n")) || ["true", "false"].contains(value) {
            return value
        }
        return JSONText.quoted(value)
    }
}
