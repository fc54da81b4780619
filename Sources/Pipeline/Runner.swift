import Core
import Foundation

/// What `vimo run` was asked to do.
public struct RunOptions: Sendable {
    /// Run only these stages (and the upstream stages they need); empty: every stage.
    public var targets: [String] = []
    /// Run this stage and everything downstream of it even if up to date.
    public var from: String?
    /// Run every selected stage even if up to date.
    public var force = false
    /// Say what would run, run nothing.
    public var dryRun = false
    /// Stages run at once (independent ones only).
    public var jobs = 1
    /// Seconds to wait for a stage directory locked by another runner (nil: forever).
    public var lockTimeout: TimeInterval?
    /// The command line, for lock holder lines and the run record.
    public var command = "vimo run"
    /// `--executor`: where every stage runs, over the pipeline's and stages' `executor:`.
    public var executor: ExecutorKind?
    /// `--slurm-*`: resources over every stage's.
    public var slurm = SlurmResources()
    /// The environment for `VIMO_EXECUTOR` and `VIMO_SLURM_*` (the weakest settings).
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Slurm: resubmit a stage's failed tasks up to this many times.
    public var retries = 0
    /// Slurm: submit what can be submitted and return without following the jobs.
    public var detach = false
    /// Slurm: seconds between looks at the jobs.
    public var pollInterval: TimeInterval = 0.25

    public init() {}
}

/// What happened to a stage in one run.
public enum StageAction: String, Codable, Sendable {
    case upToDate = "up to date"
    case ran
    case failed
    case notRun = "not run"
    case wouldRun = "would run"
    /// Submitted to Slurm by a `--detach`ed run; a later run or status follows it.
    case submitted
    /// Not submitted by a `--detach`ed run: it needs the result of a stage still on the cluster.
    case deferred
}

/// One stage's line in the run record.
public struct StageResult: Codable, Sendable {
    /// The stage name.
    public var stage: String
    /// What the run did with the stage.
    public var action: StageAction
    /// Why it ran, failed or was not run.
    public var reasons: [String]
    /// The stage fingerprint.
    public var fingerprint: String?
    /// The stage folder.
    public var directory: String?
    /// The canonical params JSON (params and input identities) behind the fingerprint.
    public var params: String?
    /// Wall-clock seconds.
    public var seconds: Double?
    /// How the stage process ended.
    public var exit: String?
    /// Items computed (item stages).
    public var processed: Int?
    /// Items found already committed (item stages).
    public var alreadyCached: Int?
    /// Rows written (item stages).
    public var rows: Int?
    /// Items that failed, with their reasons.
    public var failedItems: [String]?
    /// The stage's log file.
    public var log: String?
    /// Every process's log when the stage ran as several processes (`processes: N`).
    public var logs: [String]?
    /// Where it ran (absent: local).
    public var executor: ExecutorKind?
    /// Slurm: every submission (first, retries, resubmissions after a dependency failed).
    public var jobs: [SlurmJob]?
    /// Slurm: each task's last state, exit code, node and log.
    public var tasks: [SlurmTaskOutcome]?
}

/// How one Slurm task of a stage ended (its latest attempt).
public struct SlurmTaskOutcome: Codable, Equatable, Sendable {
    public var task: Int
    public var job: String
    public var attempt: Int
    public var state: String
    public var exitCode: String?
    public var node: String?
    public var log: String?
}

extension StageResult {
    /// A stage's line for a plan: its fingerprint, folder, params, and the reasons it runs (none when up to date).
    init(_ plan: StagePlan, action: StageAction) {
        self.init(stage: plan.name, action: action, reasons: action == .upToDate ? [] : Runner.reasons(plan.status),
                  fingerprint: plan.fingerprint, directory: plan.directory?.path, params: plan.params)
    }
}

/// Progress of a run, for the executable to show (the library never prints).
public enum RunEvent: Sendable {
    case upToDate(StagePlan)
    case willRun(StagePlan)
    case started(StagePlan, pid: Int32, log: URL)
    case output(stage: String, line: String)
    case waitingForLock(stage: String, holder: String)
    case tookOverLock(stage: String, previousHolder: String)
    case finished(StageResult)
    case notRun(stage: String, reason: String)
    /// Slurm: a stage's tasks were submitted (or a detached run's jobs picked up: `adopted`).
    case submitted(stage: String, jobs: [String], tasks: Int, dependsOn: [String], adopted: Bool)
    /// Slurm: a stage's tasks changed state (`6/16 tasks done, 10 running (job 4213)`).
    case cluster(stage: String, progress: String)
    /// Slurm: failed tasks are submitted again.
    case retrying(stage: String, tasks: [Int], job: String, attempt: Int, failures: [String])
}

/// The record of one `vimo run` (`<cache>/runs/<id>/record.json`, logs beside it).
public struct RunRecord: Codable, Sendable {
    /// The pipeline name.
    public var pipeline: String
    /// The pipeline file.
    public var file: String
    /// The command line.
    public var command: String
    /// The host it ran on.
    public var host: String
    /// The runner's process id.
    public var pid: Int32
    /// When it started (ISO 8601).
    public var startedAt: String
    /// When it ended (ISO 8601).
    public var finishedAt: String
    /// Wall-clock seconds.
    public var seconds: Double
    /// Whether every stage completed.
    public var succeeded: Bool
    /// Whether the run was stopped by `interrupt()` (SIGINT, SIGTERM).
    public var interrupted: Bool
    /// Whether it submitted to Slurm and returned (`--detach`).
    public var detached: Bool?
    /// One entry per stage.
    public var stages: [StageResult]
    /// The folder holding record.json, logs/ and summaries/.
    public var folder: String
}

/// Runs a pipeline's stale stages in dependency order, independent ones in parallel, each under
/// its stage lock; a failed stage stops its dependents; every run leaves a record.
public final class Runner: @unchecked Sendable {
    /// Plans each stage against the cache.
    public let planner: Planner
    /// What was asked.
    public let options: RunOptions
    let events: @Sendable (RunEvent) -> Void
    let condition = NSCondition()

    enum State { case pending, running, done(StagePlan), failed, skipped, wouldRun(StagePlan), submitted(StagePlan), deferred }
    var states: [String: State] = [:]
    private var results: [String: StageResult] = [:]
    /// Stage processes running now (pid), for `interrupt()`.
    private var children: Set<Int32> = []
    /// Slurm jobs of this run by stage, for dependencies and for `interrupt()`.
    var clusterJobs: [String: [String]] = [:]
    let slurm = SlurmClient()
    /// Set by `interrupt()`: start nothing more.
    var interrupted = false
    /// The folders this run planned, registered in `<run folder>/uses.json` as they are planned.
    private var uses: RunUses?
    private var usesFolder: URL?

    /// Whether `interrupt()` was called.
    public var isInterrupted: Bool {
        condition.lock(); defer { condition.unlock() }
        return interrupted
    }

    /// A runner for one invocation; `events` receives its progress (from several threads).
    public init(planner: Planner, options: RunOptions, events: @escaping @Sendable (RunEvent) -> Void) {
        self.planner = planner
        self.options = options
        self.events = events
    }

    var pipeline: PipelineDefinition { planner.pipeline }
    private var workspace: Workspace { planner.workspace }

    /// The stages a run touches: the targets and everything they need, or all.
    public static func selection(_ pipeline: PipelineDefinition, targets: [String]) throws -> [String] {
        guard !targets.isEmpty else { return pipeline.stages.map(\.name) }
        var needed = Set<String>()
        var stack = targets
        while let name = stack.popLast() {
            guard let stage = pipeline[stage: name] else { throw RunnerError.unknownStage(name, pipeline: pipeline.name) }
            if needed.insert(name).inserted { stack += stage.dependencies }
        }
        return pipeline.stages.map(\.name).filter(needed.contains)
    }

    /// `name` and every stage downstream of it.
    public static func downstream(_ pipeline: PipelineDefinition, of name: String) throws -> Set<String> {
        guard pipeline[stage: name] != nil else { throw RunnerError.unknownStage(name, pipeline: pipeline.name) }
        var result: Set<String> = [name]
        for stage in pipeline.stages where stage.dependencies.contains(where: result.contains) { result.insert(stage.name) }
        return result
    }

    /// Stops the run: no further stage starts, running stage processes get SIGTERM (what they
    /// committed stays), and `run()` returns the record of what happened. Safe from any thread.
    public func interrupt() {
        condition.lock()
        interrupted = true
        let running = children
        let jobs = clusterJobs.values.flatMap { $0 }
        condition.broadcast()
        condition.unlock()
        for pid in running { kill(pid, SIGTERM) }
        if !options.detach { slurm.cancel(jobs) }
    }

    /// Runs the pipeline; returns the run record (also written under `<cache>/runs/`).
    public func run() throws -> RunRecord {
        let start = Date()
        let selected = try Self.selection(pipeline, targets: options.targets)
        var forced = Set<String>()
        if options.force { forced = Set(selected) }
        if let from = options.from { forced.formUnion(try Self.downstream(pipeline, of: from)) }
        let folder = workspace.cache.appendingPathComponent("runs")
            .appendingPathComponent(Self.runID(start))
        if !options.dryRun {
            let registered = RunUses(pipeline: pipeline.name, file: pipeline.file.standardizedFileURL.path,
                                     host: ProcessInfo.processInfo.hostName, pid: getpid(), startedAt: Clock.stamp(start), folders: [])
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try registered.write(to: folder)
            } catch {
                throw RunnerError.unusableCache(path: workspace.cache.path, reason: "cannot create the run folder \(folder.path): "
                    + SystemReason.of(error) + " (a read-only or full cache? --cache DIR or $VIMO_CACHE chooses another)")
            }
            uses = registered
            usesFolder = folder
        }
        for name in selected { states[name] = .pending }

        condition.lock()
        while true {
            var progressed = false
            for name in selected {
                if case .pending = states[name]! {
                    progressed = advance(name, forced: forced.contains(name), runFolder: folder) || progressed
                }
            }
            let settled = selected.allSatisfy { name in
                switch states[name]! {
                case .pending, .running: return false
                case .submitted: return options.detach
                default: return true
                }
            }
            if settled { break }
            if !progressed { condition.wait() }
        }
        condition.unlock()

        let ordered = selected.compactMap { results[$0] }
        let record = RunRecord(pipeline: pipeline.name, file: pipeline.file.path, command: options.command,
                               host: ProcessInfo.processInfo.hostName, pid: getpid(), startedAt: Clock.stamp(start),
                               finishedAt: Clock.stamp(), seconds: Date().timeIntervalSince(start),
                               succeeded: ordered.allSatisfy { $0.action != .failed && $0.action != .notRun },
                               interrupted: isInterrupted, detached: options.detach ? true : nil, stages: ordered, folder: folder.path)
        if !options.dryRun {
            let url = folder.appendingPathComponent("record.json")
            do {
                try AtomicFile.write(try JSONEncoder.snakeCasePretty.encode(record), to: url)
                try rememberPipeline()
            } catch {
                throw RunnerError.unusableCache(path: workspace.cache.path, reason: "cannot write the run record \(url.path): "
                    + SystemReason.of(error) + "; what the stages committed is kept")
            }
        }
        workspace.save()
        return record
    }

    /// Moves one pending stage on if it can: not run when an upstream stage failed, planned once
    /// every upstream stage is settled, then recorded as up to date, as would-run (dry run), or
    /// started on its own thread when fewer than `--jobs` stages run. Returns whether anything
    /// changed. Called with `condition` locked; planning happens unlocked.
    private func advance(_ name: String, forced: Bool, runFolder: URL) -> Bool {
        let stage = pipeline[stage: name]!
        if interrupted {
            states[name] = .skipped
            results[name] = StageResult(stage: name, action: .notRun, reasons: ["interrupted"])
            events(.notRun(stage: name, reason: "interrupted"))
            return true
        }
        var upstream: [String: StagePlan] = [:]
        let onCluster = executor(for: stage) == .slurm
        for dependency in stage.dependencies {
            switch states[dependency]! {
            case .done(let plan), .wouldRun(let plan): upstream[dependency] = plan
            case .submitted(let plan):
                // Still on the cluster: a Slurm stage whose plan does not need its result is
                // submitted now with --dependency=afterok; any other waits (or, detached, is deferred).
                if onCluster && Self.canChain(upstream: plan.kind, downstream: StageCatalog.kind(of: stage)) {
                    upstream[dependency] = plan
                } else if options.detach {
                    return defer_(name, reason: "needs the result of \(dependency), still on the cluster; a later `vimo run` submits it")
                } else {
                    return false
                }
            case .deferred:
                return defer_(name, reason: "after \(dependency), deferred")
            case .failed, .skipped:
                states[name] = .skipped
                let reason = "upstream \(dependency) did not complete"
                results[name] = StageResult(stage: name, action: .notRun, reasons: [reason])
                events(.notRun(stage: name, reason: reason))
                return true
            case .pending, .running: return false
            }
        }
        if !options.dryRun && !onCluster {
            // --jobs bounds local processes; Slurm stages wait on the cluster's queue instead.
            let running = states.filter { if case .running = $0.value { return executor(for: pipeline[stage: $0.key]!) == .local }; return false }.count
            guard running < max(1, options.jobs) else { return false }
        }
        states[name] = .running
        condition.unlock()
        let planned = Result { try planner.plan(stage, upstream: upstream, force: forced) }
        condition.lock()
        guard case .success(let plan) = planned else {
            if case .failure(let error) = planned { cannotPlan(name, error) }
            return true
        }
        if let directory = plan.directory, !options.dryRun {
            do { try registerUse(directory) } catch {
                cannotPlan(name, RunnerError.unusableCache(path: usesFolder?.path ?? workspace.cache.path,
                                                           reason: "cannot register the run's folders: \(error.localizedDescription)"))
                return true
            }
        }
        if plan.status.isUpToDate {
            states[name] = .done(plan)
            results[name] = StageResult(plan, action: .upToDate)
            events(.upToDate(plan))
        } else if options.dryRun {
            states[name] = .wouldRun(plan)
            results[name] = StageResult(plan, action: .wouldRun)
            events(.willRun(plan))
        } else {
            events(.willRun(plan))
            let upstreamPlans = upstream
            Thread { [self] in
                let outcome = execute(stage, plan: plan, upstream: upstreamPlans, forced: forced, runFolder: runFolder)
                condition.lock()
                switch outcome.result.action {
                case .submitted: states[name] = .submitted(outcome.plan ?? plan)
                case .notRun: states[name] = .skipped
                default: states[name] = outcome.plan.map { .done($0) } ?? .failed
                }
                results[name] = outcome.result
                condition.broadcast()
                condition.unlock()
                events(.finished(outcome.result))
            }.start()
        }
        return true
    }

    /// Marks a stage deferred by a detached run (its upstream is still on the cluster). Called with `condition` locked.
    private func defer_(_ name: String, reason: String) -> Bool {
        states[name] = .deferred
        results[name] = StageResult(stage: name, action: .deferred, reasons: [reason])
        events(.notRun(stage: name, reason: "deferred: " + reason))
        return true
    }

    /// Whether a stage can be planned and submitted while its upstream is still on the cluster:
    /// its fingerprint must not need the upstream's result. A whole-set stage's fingerprint holds
    /// each item upstream's item index (which videos made it), known only once that stage is done.
    static func canChain(upstream: StageKind, downstream: StageKind) -> Bool {
        !(upstream == .items && downstream == .whole)
    }

    /// Where `stage` runs: `--executor`, else the stage's, the pipeline's, `VIMO_EXECUTOR`, local.
    func executor(for stage: StageDefinition) -> ExecutorKind {
        Self.executor(for: stage, in: pipeline, options: options)
    }

    /// The same for any pipeline and options (`GPUPlacement`, `vimo status`).
    static func executor(for stage: StageDefinition, in pipeline: PipelineDefinition, options: RunOptions) -> ExecutorKind {
        options.executor ?? stage.executor ?? pipeline.executor
            ?? options.environment["VIMO_EXECUTOR"].flatMap(ExecutorKind.init(rawValue:)) ?? .local
    }

    /// What `stage` asks of Slurm: `--slurm-*` over the stage's `slurm:` over the pipeline's over `VIMO_SLURM_*`.
    func resources(for stage: StageDefinition) throws -> SlurmResources {
        try Self.resources(for: stage, in: pipeline, options: options)
    }

    /// The same for any pipeline and options.
    static func resources(for stage: StageDefinition, in pipeline: PipelineDefinition, options: RunOptions) throws -> SlurmResources {
        options.slurm.over(stage.slurm.over(pipeline.slurm.over(try SlurmResources.environment(options.environment))))
    }

    /// Adds `directory` to the run's uses file before the stage runs, so gc keeps it. Called with `condition` locked.
    private func registerUse(_ directory: URL) throws {
        guard var registered = uses, let folder = usesFolder else { return }
        let path = directory.standardizedFileURL.path
        guard !registered.folders.contains(path) else { return }
        registered.folders.append(path)
        try registered.write(to: folder)
        uses = registered
    }

    /// Remembers or forgets a running stage process; one that starts after an interrupt is stopped at once.
    private func track(_ pid: Int32, running: Bool) {
        condition.lock()
        if running { children.insert(pid) } else { children.remove(pid) }
        let stop = running && interrupted
        condition.unlock()
        if stop { kill(pid, SIGTERM) }
    }

    /// Marks a stage that could not be planned (a missing input, an unknown executable) as failed.
    /// Called with `condition` locked.
    private func cannotPlan(_ name: String, _ error: Error) {
        states[name] = .failed
        let result = StageResult(stage: name, action: .failed, reasons: [error.localizedDescription])
        results[name] = result
        events(.finished(result))
    }

    /// Takes the stage lock, checks again (another runner may have finished the stage), runs the
    /// executable, and on success records the stage and re-plans it.
    private func execute(_ stage: StageDefinition, plan: StagePlan, upstream startUpstream: [String: StagePlan], forced: Bool,
                         runFolder: URL) -> (plan: StagePlan?, result: StageResult) {
        var upstream = startUpstream
        let name = stage.name
        var result = StageResult(plan, action: .failed)
        guard let directory = plan.directory else {
            result.reasons.append("fingerprint unknown")
            return (nil, result)
        }
        let lock: StageLock
        do {
            lock = try StageLock.acquire(directory: directory, holder: StageLock.holderLine(command: options.command),
                                         timeout: options.lockTimeout, cancelled: { [self] in isInterrupted }) { [events] holder in
                events(.waitingForLock(stage: name, holder: holder))
            }
        } catch {
            result.reasons.append(error.localizedDescription)
            return (nil, result)
        }
        defer { lock.release() }
        if let previous = lock.takenOverFrom { events(.tookOverLock(stage: name, previousHolder: previous)) }
        var current = plan
        do {
            // Whoever held the lock may have completed the stage meanwhile.
            current = try planner.plan(stage, upstream: upstream, force: forced)
            if current.status.isUpToDate {
                result.action = .upToDate
                result.reasons = ["completed by another runner"]
                return (current, result)
            }
            if forced && plan.kind == .whole { try Self.clear(directory) }
        } catch {
            result.reasons.append(error.localizedDescription)
            return (nil, result)
        }

        let started = Date()
        var launch: (exit: StageProcess.Exit?, problem: String?, logs: [String], counts: SummaryCounts)
        if executor(for: stage) == .slurm {
            let cluster = runOnCluster(stage, plan: current, upstream: upstream, lock: lock, runFolder: runFolder)
            result.executor = .slurm
            result.jobs = cluster.jobs.isEmpty ? nil : cluster.jobs
            result.tasks = cluster.tasks.isEmpty ? nil : cluster.tasks
            if cluster.detached {
                result.action = .submitted
                result.log = cluster.logs.first
                result.logs = cluster.logs.count > 1 ? cluster.logs : nil
                return (current, result)
            }
            if let reason = cluster.upstreamFailed {
                result.action = .notRun
                result.reasons = [reason]
                return (nil, result)
            }
            launch = (cluster.exit, cluster.problem, cluster.logs, cluster.counts)
            if let final = cluster.upstream {
                // Submitted while its upstream was still on the cluster: plan again with the upstream's result.
                upstream = final
                do {
                    let replanned = try planner.plan(stage, upstream: final, force: forced)
                    guard replanned.fingerprint == current.fingerprint else {
                        result.reasons.append("its fingerprint changed once the upstream completed; run again")
                        return (nil, result)
                    }
                    current = replanned
                } catch {
                    result.reasons.append(error.localizedDescription)
                    return (nil, result)
                }
            }
        } else {
            launch = launchProcesses(current, lock: lock, runFolder: runFolder)
        }
        let finished = Date()
        result.seconds = finished.timeIntervalSince(started)
        result.log = launch.logs.first
        result.logs = launch.logs.count > 1 ? launch.logs : nil
        let counts = launch.counts
        result.processed = counts.processed
        result.alreadyCached = counts.alreadyCached
        result.rows = counts.rows
        result.failedItems = counts.failed
        if let problem = launch.problem { result.reasons.append(problem) }
        if let stopped = counts.stopped { result.reasons.append(stopped) }
        guard let exit = launch.exit else { return (nil, result) }
        result.exit = exit.text
        if let problem = exit.logProblem { result.reasons.append(problem) }
        guard exit.succeeded else { return (nil, result) }

        do {
            var record = StageRecord(
                stage: name, pipeline: pipeline.name, fingerprint: current.fingerprint!, kind: current.kind.rawValue,
                version: current.version, params: current.params, command: [current.executable.path] + current.arguments,
                inputs: current.inputs, upstreamItems: current.upstreamItems,
                datasets: current.datasets.mapValues(\.digest), outputListing: nil, itemIndex: nil, items: nil,
                startedAt: Clock.stamp(started), finishedAt: Clock.stamp(finished), seconds: result.seconds ?? 0,
                processed: counts.processed, alreadyCached: counts.alreadyCached, rows: counts.rows, failed: counts.failed)
            if current.kind == .items {
                let index = try Planner.itemIndex(directory)
                record.itemIndex = index.digest
                record.items = index.count
                let listing = try Planner.outputListing(directory)
                record.outputListing = listing
                var completed = (StageRecord.read(directory: directory)?.completedDatasets ?? [:]).filter { $0.value == listing }
                for (option, content) in current.datasets { completed[option + "\t" + content.digest] = listing }
                record.completedDatasets = completed.count > 32 ? nil : completed
                for (option, content) in current.datasets {
                    try ListingFile.write(content.files, to: Planner.listingURL(directory: directory, option: option))
                }
            }
            try record.write(directory: directory)
            SlurmClaim.remove(directory: directory)
            let final = try planner.plan(stage, upstream: upstream)
            result.action = .ran
            return (final, result)
        } catch {
            result.reasons.append("cannot record the run: \(error.localizedDescription)")
            return (nil, result)
        }
    }

    /// Saves what this pipeline now resolves to (for status explanations and gc), keeping the
    /// previous entries of stages whose fingerprint is still unknown.
    private func rememberPipeline() throws {
        var stages = planner.previous?.stages ?? [:]
        for (name, state) in states {
            guard case .done(let plan) = state, let fingerprint = plan.fingerprint, let directory = plan.directory else { continue }
            stages[name] = PipelineRecord.Stage(fingerprint: fingerprint, directory: directory.path, version: plan.version,
                                                params: plan.params, paramValues: plan.paramValues, upstream: plan.upstreamTokens,
                                                inputs: plan.inputDigests, inputPaths: plan.inputs)
        }
        let known = Set(pipeline.stages.map(\.name))
        stages = stages.filter { known.contains($0.key) }
        try PipelineRecord(pipeline: pipeline.name, file: pipeline.file.standardizedFileURL.path, updatedAt: Clock.stamp(),
                           stages: stages).write(cache: workspace.cache)
    }

    /// The reasons a stage runs, in one line.
    public static func reasonsText(_ status: StageStatus) -> String {
        reasons(status).joined(separator: "; ")
    }

    static func reasons(_ status: StageStatus) -> [String] {
        switch status {
        case .upToDate: return []
        case .stale(let reasons): return reasons
        case .waiting(let upstream): return upstream.map { "after \($0)" }
        }
    }

    /// Empties a whole-set stage's folder before a forced run (the lock file stays).
    static func clear(_ directory: URL) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name != ".lock" {
            try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    static func runID(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss.SSS"
        return formatter.string(from: date) + "-\(getpid())"
    }

    /// Counts from the stage's summary JSON (summed over its processes).
    struct SummaryCounts: Sendable {
        var processed: Int?, alreadyCached: Int?, rows: Int?, failed: [String]?
        /// Why a process stopped early (a full disk), from its summary.
        var stopped: String?

        mutating func add(_ url: URL) {
            guard let data = try? Data(contentsOf: url),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
            func sum(_ a: Int?, _ b: Int?) -> Int? { b.map { (a ?? 0) + $0 } ?? a }
            processed = sum(processed, object["processed"] as? Int)
            alreadyCached = sum(alreadyCached, object["already_cached"] as? Int)
            rows = sum(rows, object["rows"] as? Int)
            if let reason = object["stopped"] as? String { stopped = stopped ?? reason }
            if let items = (object["failed"] as? [[String: Any]])?.map({ "\($0["item"] ?? "?"): \($0["reason"] ?? "")" }) {
                failed = (failed ?? []) + items
            }
        }
    }

    /// Runs the stage's process, or for an item stage with `processes: N` N processes that share
    /// its items (`--shard i/N`), all holding the stage lock. Returns the first failure's exit (or
    /// the common success), a problem that kept a process from starting, the logs and the counts.
    private func launchProcesses(_ plan: StagePlan, lock: StageLock, runFolder: URL)
        -> (exit: StageProcess.Exit?, problem: String?, logs: [String], counts: SummaryCounts) {
        let name = plan.name
        let count = plan.kind == .items ? max(1, plan.processes) : 1
        let logs = runFolder.appendingPathComponent("logs"), summaries = runFolder.appendingPathComponent("summaries")
        try? FileManager.default.createDirectory(at: summaries, withIntermediateDirectories: true)
        final class Outcome: @unchecked Sendable { var exit: StageProcess.Exit?; var problem: String?; var pid: Int32? }
        let outcomes = (0..<count).map { _ in Outcome() }
        let group = DispatchGroup()
        var files: [(log: URL, summary: URL)] = []
        for index in 0..<count {
            let suffix = count == 1 ? "" : "-shard-\(index)-of-\(count)"
            let label = count == 1 ? name : "\(name)[\(index + 1)/\(count)]"
            let log = logs.appendingPathComponent(name + suffix + ".log")
            let summary = summaries.appendingPathComponent(name + suffix + ".json")
            files.append((log, summary))
            let arguments = plan.arguments + (plan.kind == .items ? ["--summary", summary.path] : [])
                + (count > 1 ? ["--shard", "\(index)/\(count)"] : [])
            let outcome = outcomes[index]
            let events = self.events
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    outcome.exit = try StageProcess.run(executable: plan.executable, arguments: arguments, fingerprint: plan.fingerprint,
                                                        lock: lock, log: log,
                                                        onStart: { pid in
                                                            outcome.pid = pid
                                                            self.track(pid, running: true)
                                                            events(.started(plan, pid: pid, log: log))
                                                        },
                                                        onLine: { line in events(.output(stage: label, line: line)) })
                    if let pid = outcome.pid { self.track(pid, running: false) }
                } catch {
                    outcome.problem = "cannot start \(plan.executable.path): \(error.localizedDescription)"
                }
            }.start()
        }
        group.wait()
        var counts = SummaryCounts()
        for file in files { counts.add(file.summary) }
        let problem = outcomes.compactMap(\.problem).first
        let exit = problem != nil ? nil : (outcomes.compactMap(\.exit).first { !$0.succeeded } ?? outcomes[0].exit)
        return (exit, problem, files.map(\.log.path), counts)
    }
}
