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

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if let lockTimeout, lockTimeout < 0 { throw ValidationError("--lock-timeout cannot be negative") }
    }

    func run() throws {
        let console = Console(quiet: quiet)
        let planner = try options.open(console: console)
        var runOptions = RunOptions()
        runOptions.targets = stage
        runOptions.from = from
        runOptions.force = force
        runOptions.dryRun = dryRun
        runOptions.jobs = jobs
        runOptions.lockTimeout = lockTimeout
        runOptions.command = (["vimo"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        let record = try RunReporter(console: console, planner: planner).run(runOptions)
        if record.interrupted { throw ExitCode(130) }
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
            console.line(String(format: "%@: %d stage(s) ran, %d up to date, %d failed, %.1f s. Record: %@",
                                record.succeeded ? "done" : record.interrupted ? "INTERRUPTED" : "FAILED", ran,
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
        case .wouldRun: return "would run"
        }
    }
}
