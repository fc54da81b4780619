import Core
import Foundation
import Store

/// Resolves each stage of a pipeline against the cache: fingerprint, folder, command line and
/// whether it is up to date. Called stage by stage in dependency order; a stage is planned with
/// the plans of its upstream stages (re-planned after they run).
public struct Planner: Sendable {
    /// The pipeline being planned.
    public let pipeline: PipelineDefinition
    /// The cache and executables.
    public let workspace: Workspace
    /// What the previous run of this pipeline resolved each stage to (for saying what changed).
    public let previous: PipelineRecord?

    /// A planner for `pipeline` against `workspace`'s cache.
    public init(pipeline: PipelineDefinition, workspace: Workspace) {
        self.pipeline = pipeline
        self.workspace = workspace
        previous = PipelineRecord.read(cache: workspace.cache, pipeline: pipeline.name)
    }

    /// Plans `stage`; `upstream` must hold a plan for each of its dependencies.
    public func plan(_ stage: StageDefinition, upstream: [String: StagePlan], force: Bool = false) throws -> StagePlan {
        let kind = StageCatalog.kind(of: stage)
        let executable = try workspace.executable(for: stage)
        let version = try workspace.version(of: stage, executable: executable)

        // Identities of the inputs and the params, canonical.
        var inputIdentity: [String: CanonicalJSON] = [:]
        var inputPaths: [String: String] = [:]
        var datasets: [String: InputContent] = [:]
        var inputDigests: [String: String] = [:]
        var waitingFor: [String] = []
        for binding in stage.inputs {
            switch binding.source {
            case .stage(let name, let file):
                var identity: [String: CanonicalJSON] = ["stage": .string(name)]
                if let file { identity["file"] = .string(file) }
                inputIdentity[binding.option] = .object(identity)
                if let directory = upstream[name]?.directory {
                    inputPaths[binding.option] = file.map { directory.appendingPathComponent($0).path } ?? directory.path
                }
            case .path(let path, let name):
                let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
                inputPaths[binding.option] = absolute
                let isFolder = Self.isFolder(absolute)
                if kind == .items && binding.option == StageCatalog.datasetOption && isFolder {
                    // A dataset: its items are tracked one by one, so only its label space (or the
                    // `name:` the pipeline gives it) enters the fingerprint, never its path: a copy
                    // elsewhere reuses every folder. Its listing is kept to say what changed.
                    let identity = try name ?? workspace.datasetIdentity(of: absolute)
                    inputIdentity[binding.option] = .object(["dataset": .string(identity)])
                    datasets[binding.option] = try workspace.content(of: absolute, scope: .datasetWithoutFrames)
                } else if StageCatalog.annotationOptions.contains(binding.option) && isFolder {
                    // Labels and splits: the annotation files' content, not the videos'.
                    let content = try workspace.content(of: absolute, scope: .datasetAnnotations)
                    inputIdentity[binding.option] = .object(["annotations": .string(content.digest)])
                    inputDigests[binding.option] = content.digest
                } else {
                    // Any other file or folder (weights, a model directory) by content.
                    let content = try workspace.content(of: absolute)
                    inputIdentity[binding.option] = .object(["digest": .string(content.digest)])
                    inputDigests[binding.option] = content.digest
                }
            }
        }
        var paramValues: [String: String] = [:]
        var paramJSON: [String: CanonicalJSON] = [:]
        for binding in stage.params where !StageCatalog.executionOnly.contains(binding.key) {
            let value = CanonicalJSON(binding.value)
            paramJSON[binding.key] = value
            paramValues[binding.key] = value.text
        }
        let params = CanonicalJSON.object(["inputs": .object(inputIdentity), "params": .object(paramJSON)]).text

        // Upstream tokens: fingerprints; a whole stage also takes each item upstream's item index.
        var tokens: [String: String] = [:]
        var upstreamItems: [String: String] = [:]
        for name in stage.dependencies {
            guard let plan = upstream[name], let fingerprint = plan.fingerprint else { waitingFor.append(name); continue }
            var token = fingerprint
            if plan.kind == .items {
                if plan.status.isUpToDate, let index = plan.record?.itemIndex {
                    upstreamItems[name] = index
                    if kind == .whole { token += "@" + index }
                } else if kind == .whole {
                    waitingFor.append(name)
                }
            }
            tokens[name] = token
        }

        if kind == .whole, let processes = stage.processes, processes > 1 {
            throw RunnerError.invalidStage(stage.name, reason: "'processes: \(processes)' needs an item stage (a whole-set stage runs as one process)")
        }
        var plan = StagePlan(name: stage.name, kind: kind, processes: stage.processes ?? 1, executable: executable, version: version, params: params,
                             paramValues: paramValues, fingerprint: nil, directory: nil, arguments: [],
                             inputs: inputPaths, upstreamTokens: tokens, status: .waiting(upstream: waitingFor),
                             record: nil, upstreamItems: upstreamItems, datasets: datasets, inputDigests: inputDigests)
        guard waitingFor.isEmpty else { return plan }

        let fingerprint = Fingerprint.compute(stage: stage.name, version: version, params: params,
                                              upstream: tokens.map { ($0.key, $0.value) })
        let directory = workspace.directory(stage: stage.name, fingerprint: fingerprint)
        plan.fingerprint = fingerprint
        plan.directory = directory
        plan.arguments = Self.arguments(stage, kind: kind, inputs: inputPaths, upstream: upstream,
                                        output: directory, fingerprint: fingerprint)
        let record = StageRecord.read(directory: directory).flatMap { $0.fingerprint == fingerprint ? $0 : nil }
        plan.record = record
        plan.status = try status(stage, plan: plan, record: record, upstream: upstream, force: force)
        return plan
    }

    private func status(_ stage: StageDefinition, plan: StagePlan, record: StageRecord?,
                        upstream: [String: StagePlan], force: Bool) throws -> StageStatus {
        let directory = plan.directory!
        let running = StageLock.currentHolder(directory: directory).map { "running now: \($0)" }
        guard let record else { return .stale(newReasons(stage, plan: plan) + (running.map { [$0] } ?? [])) }
        var reasons: [String] = []
        if plan.kind == .items {
            for name in stage.dependencies where upstream[name]?.kind == .items {
                guard let current = plan.upstreamItems[name] else {
                    reasons.append("upstream \(name) is not up to date")
                    continue
                }
                if record.upstreamItems[name] != current {
                    reasons.append("upstream \(name) changed: " + missingItems(from: upstream[name]!, in: directory))
                }
            }
            for (option, content) in plan.datasets.sorted(by: { $0.key < $1.key }) where record.datasets[option] != content.digest {
                // Another dataset (a subset, a copy with other files) completed here and nothing changed since.
                if let listing = record.completedDatasets?[option + "\t" + content.digest], listing == record.outputListing { continue }
                let seen = ListingFile.read(Self.listingURL(directory: directory, option: option)) ?? [:]
                reasons.append("\(option) \(plan.inputs[option] ?? "") changed: \(content.changes(since: seen))")
            }
            if let listing = record.outputListing {
                // Stat only (status stays fast): the shard listing saved with this record names what
                // changed; a record from before listings were saved has only the names+sizes digest.
                let now = try? ShardListing.current(directory)
                if let saved = ShardListing.saved(directory: directory), saved.digest == listing, let now {
                    reasons += saved.changes(to: now, directory: directory)
                } else if listing != now?.digest {
                    reasons.append("shards were added or removed since the last run")
                }
            }
        }
        if force { reasons.append("forced") }
        if !reasons.isEmpty { return .stale(reasons) }
        var notes: [String] = []
        if let failed = record.failed, !failed.isEmpty { notes.append("\(failed.count) item(s) failed in the last run; --force retries them") }
        if let running { notes.append(running) }
        return .upToDate(note: notes.isEmpty ? nil : notes.joined(separator: "; "))
    }

    /// Why a stage with no complete run in its folder must run: what differs from the previous run.
    private func newReasons(_ stage: StageDefinition, plan: StagePlan) -> [String] {
        var reasons: [String] = []
        if let before = previous?.stages[stage.name], before.fingerprint != plan.fingerprint {
            if before.version != plan.version { reasons.append("code changed (\(before.version) → \(plan.version))") }
            let keys = Set(before.paramValues.keys).union(plan.paramValues.keys).sorted()
            let changed = keys.filter { before.paramValues[$0] != plan.paramValues[$0] }.map { key -> String in
                "\(key) \(before.paramValues[key] ?? "unset") → \(plan.paramValues[key] ?? "unset")"
            }
            if !changed.isEmpty { reasons.append("params changed: " + changed.joined(separator: ", ")) }
            if let inputs = before.inputs {
                for option in Set(inputs.keys).union(plan.inputDigests.keys).sorted() where inputs[option] != plan.inputDigests[option] {
                    let path = plan.inputs[option] ?? before.inputPaths?[option] ?? option
                    let file = URL(fileURLWithPath: path).lastPathComponent
                    let moved = before.inputPaths?[option].map { $0 != path ? " (was \($0))" : "" } ?? ""
                    reasons.append("\(option): \(file) changed\(moved)")
                }
            }
            let upstream = Set(before.upstream.keys).union(plan.upstreamTokens.keys).sorted()
                .filter { before.upstream[$0] != plan.upstreamTokens[$0] }
            for name in upstream {
                let old = before.upstream[name], new = plan.upstreamTokens[name]
                if let old, let new, old.split(separator: "@").first == new.split(separator: "@").first {
                    reasons.append("upstream \(name) has a different item set")
                } else {
                    reasons.append("upstream \(name) changed")
                }
            }
            if reasons.isEmpty { reasons.append("inputs changed") }
        }
        if let directory = plan.directory, plan.kind == .items,
           let shards = try? ShardDirectory.committedShards(in: directory), !shards.isEmpty {
            reasons.append("incomplete: \(shards.count) shard(s) committed, the last run did not finish")
        } else if let directory = plan.directory, !ShardDirectory.quarantined(StageRecord.fileName, in: directory).isEmpty {
            reasons.append("its outputs were damaged: `vimo verify --repair` set them aside")
        } else if reasons.isEmpty {
            reasons.append("never run")
        }
        return reasons
    }

    /// `N item(s) to compute`: upstream items this folder lacks or holds for another upstream
    /// version, from the two folders' indexes (read only when a stage is stale).
    private func missingItems(from upstream: StagePlan, in directory: URL) -> String {
        guard let folder = upstream.directory, let fingerprint = upstream.fingerprint,
              let theirs = try? ShardIndex.build(directory: folder), let mine = try? ShardIndex.build(directory: directory) else {
            return "items changed"
        }
        let missing = theirs.items.filter { id in
            mine[id]?.source != FileDigest.downstreamSource(upstreamFingerprint: fingerprint, upstreamSource: theirs[id]!.source)
        }.count
        return missing == 0 ? "items changed" : "\(missing) item(s) to compute"
    }

    // MARK: - Command lines

    static func arguments(_ stage: StageDefinition, kind: StageKind, inputs: [String: String],
                          upstream: [String: StagePlan], output: URL, fingerprint: String) -> [String] {
        var arguments = Array(stage.command.dropFirst())
        for binding in stage.inputs {
            if let path = inputs[binding.option] { arguments += ["--" + binding.option, path] }
        }
        let folder: (String) -> String = { upstream[$0]?.directory?.path ?? "${\($0).out}" }
        for binding in stage.params { arguments += Self.option(binding.key, binding.value, folder: folder) }
        arguments += ["--out", output.path]
        if kind == .items { arguments += ["--fingerprint", fingerprint] }
        return arguments
    }

    private static func option(_ key: String, _ value: ParamValue, folder: (String) -> String) -> [String] {
        switch value {
        case .bool(let on): return on ? ["--" + key] : []
        case .list(let values): return values.flatMap { option(key, $0, folder: folder) }
        case .string(let template): return ["--" + key, template.resolve(folder)]
        case .int(let i): return ["--" + key, String(i)]
        case .double(let d): return ["--" + key, "\(d)"]
        }
    }

    // MARK: - Item-stage outputs

    static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The dataset listing an item stage saw at its last complete run.
    static func listingURL(directory: URL, option: String) -> URL {
        directory.appendingPathComponent("inputs").appendingPathComponent(option + ".tsv")
    }

    /// Digest of the committed shard names and sizes: cheap to recompute, changes with any commit.
    /// The runner calls it when it records a run, so it also saves the folder's `ShardListing`
    /// (each shard's size, mtime and items), from which status names a changed shard and verify
    /// the items of an unreadable one; best effort: without it status compares this digest alone.
    static func outputListing(_ directory: URL) throws -> String {
        let listing = try ShardListing.current(directory)
        if let index = try? ShardIndex.build(directory: directory) { try? listing.save(directory: directory, index: index) }
        return listing.digest
    }

    /// Digest of the sorted `(item, source)` pairs a stage folder holds, and their number.
    static func itemIndex(_ directory: URL) throws -> (digest: String, count: Int) {
        let index = try ShardIndex.build(directory: directory)
        var text = ""
        for item in index.items { text += item + "\t" + (index[item]?.source ?? "") + "\n" }
        return (FileDigest.sha256(of: Data(text.utf8)), index.items.count)
    }
}
