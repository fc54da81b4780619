import ArgumentParser
import Foundation
import Pipeline

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the stale stages of a pipeline in dependency order (independent ones in parallel).",
        discussion: """
        Each stage runs under an advisory lock on its cache folder; a second runner waits for it (or gives up \
        after --lock-timeout) and then finds the stage done. A failed stage stops the stages that need it; the \
        others go on. Every run leaves a record (params, fingerprints, timings, item counts, failures, logs) in \
        <cache>/runs/. Exit status: 0 every stage complete; 1 a stage failed or was not run; 2 the pipeline or \
        an input is unusable; 3 a lock was not taken in time; 130 interrupted (Ctrl-C or SIGTERM stop the \
        running stages and record the run; a second signal exits at once).

        Executors. --executor slurm (or `executor: slurm` in the pipeline, per stage, or $VIMO_EXECUTOR) runs \
        each stage on a Slurm cluster: an item stage with `processes: N` as a job array of N tasks (task i runs \
        the stage with --shard i/N and writes its own shards), a whole-set stage as one job. Resources come from \
        the pipeline's and the stage's `slurm:` blocks (partition, account, qos, time, cpus, memory, gpus, gres, \
        extra), over $VIMO_SLURM_* and under the --slurm-* options; none of them enters a fingerprint, so a \
        cluster run reuses and fills the same folders as a local one. One exception: a stage on the cluster \
        that asks for GPUs (gpus, or a gres naming gpu), takes --device and sets no `device:` runs with \
        `device: cuda`, which, like any device, enters its fingerprint (`vimo status` with the same \
        --executor and --slurm-* options sees the same folders). Stages are submitted as soon as their \
        plan is known: an item stage right after the stages it reads (--dependency=afterok, \
        --kill-on-invalid-dep=yes), a whole-set stage once the item stages it reads have finished (its \
        fingerprint holds their item sets). The runner follows the jobs (tasks pending/running/done/failed), \
        resubmits failed tasks --retries times, keeps what a dead task committed, and records job ids, nodes, \
        states, exit codes and logs in the run record. Ctrl-C cancels the run's jobs (scancel). --detach \
        submits and returns (exit 0); `vimo status` shows the jobs and a later `vimo run` follows them. The \
        cache must be on a filesystem every node sees; the runner (not the jobs) takes the stage locks, so \
        flock(2) must work where `vimo run` runs (one login node); jobs only create and rename files.
        """)

    @OptionGroup var options: PipelineOptions
    @Option(name: .long, help: ArgumentHelp("Run only this stage (and the stale stages it needs); repeatable.", valueName: "S"))
    var stage: [String] = []
    @Option(name: .long, help: ArgumentHelp("Run this stage and everything downstream even if up to date.", valueName: "S"))
    var from: String?
    @Flag(name: .long, help: "Run every selected stage even if up to date (item stages retry missing and failed items; whole-set stages start again).")
    var force = false
    @Flag(name: .long, help: "Say what would run and why; run nothing.")
    var dryRun = false
    @Option(name: .long, help: "Stages run at once (only independent ones run together).")
    var jobs: Int = 1
    @Option(name: .long, help: ArgumentHelp("Seconds to wait for a stage locked by another runner (default: wait).", valueName: "seconds"))
    var lockTimeout: Double?
    @Flag(name: .long, help: "Do not echo the stages' output (it is still in the run's logs).")
    var quiet = false
    @OptionGroup var cluster: ClusterOptions
    @Option(name: .long, help: ArgumentHelp("Slurm: submit a stage's failed tasks again, up to this many times.", valueName: "K"))
    var retries: Int = 0
    @Flag(name: .long, help: "Slurm: submit what can be submitted, record it, and return without following the jobs.")
    var detach = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if let lockTimeout, lockTimeout < 0 { throw ValidationError("--lock-timeout cannot be negative") }
        guard retries >= 0 else { throw ValidationError("--retries cannot be negative") }
    }

    func run() throws {
        let console = Console(quiet: quiet)
        var runOptions = RunOptions()
        runOptions.targets = stage
        runOptions.from = from
        runOptions.force = force
        runOptions.dryRun = dryRun
        runOptions.jobs = jobs
        runOptions.lockTimeout = lockTimeout
        try cluster.apply(to: &runOptions)
        runOptions.retries = retries
        runOptions.detach = detach
        let planner = try options.open(console: console, placing: runOptions)
        runOptions.command = (["vimo"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        let record = try RunReporter(console: console, planner: planner).run(runOptions)
        if record.interrupted { throw ExitCode(130) }
        if record.detached == true && !record.stages.contains(where: { $0.action == .failed || $0.action == .notRun }) { return }
        if !record.succeeded {
            if record.stages.contains(where: { $0.reasons.contains { $0.contains("gave up waiting") } }) { throw ExitCode(3) }
            throw ExitCode(1)
        }
    }
}

/// Runs a pipeline and narrates it: one line per stage decision, the stages' own progress
/// prefixed with their name, a closing table. Shared by `vimo run` and `vimo demo`.
struct RunReporter {
    let console: Console
    let planner: Planner

    func run(_ options: RunOptions) throws -> RunRecord {
        let width = (planner.pipeline.stages.map(\.name.count).max() ?? 8) + 2
        console.line("pipeline \(planner.pipeline.name) (\(Console.short(planner.pipeline.file))), cache \(Console.short(planner.workspace.cache))"
                     + (options.dryRun ? " — dry run" : ""))
        let console = self.console
        let runner = Runner(planner: planner, options: options) { event in
            switch event {
            case .upToDate(let plan):
                console.line("  " + Console.pad(plan.name, width) + plan.status.text)
            case .willRun(let plan):
                console.line("  " + Console.pad(plan.name, width) + (options.dryRun ? "would run — " : "runs — ")
                             + Runner.reasonsText(plan.status))
            case .started(let plan, let pid, _):
                if !console.quiet { console.line("  " + Console.pad(plan.name, width) + "started (pid \(pid))") }
            case .output(let stage, let line):
                if !console.quiet { console.line("  " + Console.pad(stage, width) + "│ " + line) }
            case .waitingForLock(let stage, let holder):
                console.note("\(stage): waiting for the lock held by \(StageLock.describe(holder: holder))")
            case .tookOverLock(let stage, let previous):
                console.note("\(stage): taking over the lock left by a process that ended without releasing it (\(previous))")
            case .finished(let result):
                console.line("  " + Console.pad(result.stage, width) + Self.describe(result))
            case .notRun(let stage, let reason):
                console.line("  " + Console.pad(stage, width) + "not run: " + reason)
            case .submitted(let stage, let jobs, let tasks, let after, let adopted):
                let what = adopted ? "following the jobs of an earlier run: " : "submitted to Slurm: "
                console.line("  " + Console.pad(stage, width) + what + (jobs.count == 1 ? "job " : "jobs ") + jobs.joined(separator: ", ")
                             + " (\(tasks) task\(tasks == 1 ? "" : "s"))" + (after.isEmpty ? "" : ", after " + after.joined(separator: ", ")))
            case .cluster(let stage, let progress):
                console.line("  " + Console.pad(stage, width) + progress)
            case .retrying(let stage, let tasks, let job, let attempt, let failures):
                console.line("  " + Console.pad(stage, width) + "retry \(attempt) of task(s) \(tasks.map(String.init).joined(separator: ", ")) as job \(job)")
                for failure in failures { console.note("\(stage): " + failure) }
            }
        }
        Interrupts.install { [console, runner] signal in
            console.note("\(signal == SIGINT ? "interrupted" : "terminated"): stopping the running stages "
                         + "(what they committed is kept; run again to finish; a second signal exits at once)")
            runner.interrupt()
        }
        let record: RunRecord
        do {
            record = try runner.run()
        } catch {
            console.error(error.localizedDescription)
            throw ExitCode(2)
        }
        if !options.dryRun {
            let ran = record.stages.filter { $0.action == .ran }.count
            let failed = record.stages.filter { $0.action == .failed }
            let submitted = record.stages.filter { $0.action == .submitted }.count
            if record.detached == true {
                console.line("detached: \(submitted) stage(s) submitted to Slurm, "
                             + "\(record.stages.filter { $0.action == .deferred }.count) deferred; `vimo status` shows them, "
                             + "`vimo run` follows them and submits the rest")
            }
            console.line(String(format: "%@: %d stage(s) ran, %d up to date, %d failed, %.1f s. Record: %@",
                                record.succeeded ? (record.detached == true ? "submitted" : "done") : record.interrupted ? "INTERRUPTED" : "FAILED", ran,
                                record.stages.filter { $0.action == .upToDate }.count, failed.count, record.seconds,
                                Console.short(URL(fileURLWithPath: record.folder).appendingPathComponent("record.json"))))
            for stage in failed {
                if let log = stage.log { console.note("\(stage.stage) failed (\(stage.exit ?? stage.reasons.joined(separator: "; "))); log: \(log)") }
                else { console.note("\(stage.stage) failed: \(stage.reasons.joined(separator: "; "))") }
            }
        }
        return record
    }

    static func describe(_ result: StageResult) -> String {
        switch result.action {
        case .ran, .failed:
            var text = result.action == .ran ? "done" : "FAILED"
            if let seconds = result.seconds { text += String(format: " in %.1f s", seconds) }
            if let processed = result.processed {
                text += ": \(processed) processed, \(result.alreadyCached ?? 0) already cached"
                if let failed = result.failedItems, !failed.isEmpty { text += ", \(failed.count) item(s) failed" }
            }
            if result.action == .failed { text += " (" + (result.exit ?? result.reasons.last ?? "") + ")" }
            if result.action == .ran, let directory = result.directory { text += " → " + Console.short(URL(fileURLWithPath: directory)) }
            return text
        case .upToDate: return "up to date (" + result.reasons.joined(separator: "; ") + ")"
        case .notRun: return "not run: " + result.reasons.joined(separator: "; ")
        case .submitted: return "submitted: jobs " + (result.jobs ?? []).map(\.id).joined(separator: ", ")
        case .deferred: return "deferred: " + result.reasons.joined(separator: "; ")
        case .wouldRun: return "would run"
        }
    }
}

extension ExecutorKind: ExpressibleByArgument {}

/// Where stages run and what they ask of the cluster (`vimo run`, and `vimo status`, which plans the same folders).
struct ClusterOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Where the stages run: local or slurm (default: the pipeline's or the stage's `executor:`, $VIMO_EXECUTOR, local).", valueName: "E"))
    var executor: ExecutorKind?
    @Option(name: .customLong("slurm-partition"), help: ArgumentHelp("sbatch --partition for every stage.", valueName: "P")) var partition: String?
    @Option(name: .customLong("slurm-account"), help: ArgumentHelp("sbatch --account.", valueName: "A")) var account: String?
    @Option(name: .customLong("slurm-qos"), help: ArgumentHelp("sbatch --qos.", valueName: "Q")) var qos: String?
    @Option(name: .customLong("slurm-time"), help: ArgumentHelp("sbatch --time, per task.", valueName: "T")) var time: String?
    @Option(name: .customLong("slurm-cpus"), help: ArgumentHelp("sbatch --cpus-per-task (also the tasks' VIMO_THREADS).", valueName: "N")) var cpus: Int?
    @Option(name: .customLong("slurm-memory"), help: ArgumentHelp("sbatch --mem (16G).", valueName: "M")) var memory: String?
    @Option(name: .customLong("slurm-gpus"), help: ArgumentHelp("sbatch --gpus.", valueName: "G")) var gpus: String?
    @Option(name: .customLong("slurm-gres"), help: ArgumentHelp("sbatch --gres (gpu:1).", valueName: "G")) var gres: String?
    @Option(name: .customLong("slurm-extra"), help: ArgumentHelp("A further sbatch argument; repeatable.", valueName: "ARG")) var extra: [String] = []
    func validate() throws {
        if let cpus, cpus < 1 { throw ValidationError("--slurm-cpus must be at least 1") }
    }

    func apply(to options: inout RunOptions) throws {
        options.executor = executor
        var slurm = SlurmResources()
        slurm.partition = partition
        slurm.account = account
        slurm.qos = qos
        slurm.time = time
        slurm.cpus = cpus
        slurm.memory = memory
        slurm.gpus = gpus
        slurm.gres = gres
        slurm.extra = extra
        options.slurm = slurm
        if let poll = ProcessInfo.processInfo.environment["VIMO_SLURM_POLL"].flatMap(Double.init), poll > 0 { options.pollInterval = poll }
    }
}
