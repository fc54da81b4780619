import Core
import Foundation

/// The Slurm executor: a stage's processes become a job array (item stages: task i runs
/// `--shard i/N` and writes its own shards and summary) or one job (whole-set stages), submitted
/// with `sbatch`, followed with `scontrol`/`sacct`, retried task by task, cancelled on interrupt.
extension Runner {
    /// What the cluster did with one stage.
    struct ClusterOutcome {
        var exit: StageProcess.Exit?
        var problem: String?
        var logs: [String] = []
        var counts = SummaryCounts()
        var jobs: [SlurmJob] = []
        var tasks: [SlurmTaskOutcome] = []
        /// Submitted and not followed (`--detach`).
        var detached = false
        /// The upstream plans once they completed (when this stage was submitted before they had).
        var upstream: [String: StagePlan]?
        /// Why the stage did not run: an upstream stage still on the cluster failed.
        var upstreamFailed: String?
    }

    /// Submits (or picks up from the stage folder's claim) and follows one stage's jobs.
    func runOnCluster(_ stage: StageDefinition, plan: StagePlan, upstream: [String: StagePlan], lock: StageLock,
                      runFolder: URL) -> ClusterOutcome {
        var outcome = ClusterOutcome()
        guard let directory = plan.directory, let fingerprint = plan.fingerprint else {
            outcome.problem = "fingerprint unknown"
            return outcome
        }
        let name = stage.name
        let count = plan.kind == .items ? max(1, plan.processes) : 1
        let logsFolder = runFolder.appendingPathComponent("logs"), summaries = runFolder.appendingPathComponent("summaries")
        let scripts = runFolder.appendingPathComponent("jobs")
        let resources: SlurmResources
        do {
            resources = try self.resources(for: stage)
            for folder in [logsFolder, summaries, scripts] {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
        } catch {
            outcome.problem = error.localizedDescription
            return outcome
        }
        let summaryPath = { (task: Int) -> URL in
            summaries.appendingPathComponent(name + (count == 1 ? "" : "-shard-\(task)-of-\(count)") + ".json")
        }

        // The upstream stages of this run still on the cluster: submit after them.
        condition.lock()
        let dependsOn = stage.dependencies.flatMap { dependency -> [String] in
            if case .submitted = states[dependency] { return clusterJobs[dependency] ?? [] }
            return []
        }
        condition.unlock()

        // A claim from an earlier (detached or killed) run: follow its jobs, or take over once they ended.
        var claim: SlurmClaim
        var adopted = false
        var outstanding: [Int] = Array(0..<count)
        if let existing = SlurmClaim.read(directory: directory), existing.fingerprint == fingerprint, existing.count == count {
            claim = existing
            let ended = existing.states(slurm)
            if ended.values.contains(where: { !$0.isFinished }) {
                adopted = true
                outstanding = []
            } else {
                // Ended: what completed (and left its summary) stays; the rest is submitted again.
                outstanding = Self.failedTasks(ended, count: count, items: plan.kind == .items, claim: existing)
                claim.jobs = claim.jobs.filter { job in job.tasks.contains { !outstanding.contains($0) } }
            }
        } else {
            claim = SlurmClaim(stage: name, pipeline: pipeline.name, fingerprint: fingerprint, host: ProcessInfo.processInfo.hostName,
                               pid: getpid(), runFolder: runFolder.path, submittedAt: Clock.stamp(), count: count, jobs: [])
        }
        claim.host = ProcessInfo.processInfo.hostName
        claim.pid = getpid()
        claim.runFolder = runFolder.path

        let script = scripts.appendingPathComponent(name + ".sh")
        do {
            try jobScript(plan, count: count, summary: summaryPath).write(to: script, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        } catch {
            outcome.problem = "cannot write the job script \(script.path): \(SystemReason.of(error))"
            return outcome
        }

        /// Submits `tasks` as attempt `attempt`; records the job in the claim and the run.
        func submit(_ tasks: [Int], attempt: Int, after: [String]) throws -> SlurmJob {
            let suffix = attempt == 0 ? "" : ".retry\(attempt)"
            let logName = { (task: String) in name + (count == 1 ? "" : "-shard-\(task)-of-\(count)") + suffix + ".log" }
            var arguments = ["--job-name=vimo-\(pipeline.name)-\(name)",
                             "--output=" + logsFolder.appendingPathComponent(logName(plan.kind == .items ? "%a" : "0")).path,
                             "--chdir=" + FileManager.default.currentDirectoryPath]
            if plan.kind == .items { arguments.append("--array=" + SlurmClient.compressIndices(tasks)) }
            if !after.isEmpty { arguments += ["--dependency=afterok:" + after.joined(separator: ":"), "--kill-on-invalid-dep=yes"] }
            arguments += resources.sbatchArguments
            let id = try slurm.submit(script: script, arguments: arguments)
            var logs: [String: String] = [:]
            for task in tasks { logs[String(task)] = logsFolder.appendingPathComponent(logName(String(task))).path }
            var summaryFiles: [String: String] = [:]
            if plan.kind == .items { for task in tasks { summaryFiles[String(task)] = summaryPath(task).path } }
            let job = SlurmJob(id: id, tasks: tasks, attempt: attempt, dependsOn: after, logs: logs, array: plan.kind == .items,
                               summaries: summaryFiles)
            claim.jobs.append(job)
            try claim.write(directory: directory)
            condition.lock()
            clusterJobs[name, default: []].append(id)
            let stop = interrupted
            condition.unlock()
            if stop { slurm.cancel([id]) }
            return job
        }

        var attempt = claim.jobs.map(\.attempt).max().map { $0 + 1 } ?? 0
        if adopted {
            condition.lock()
            clusterJobs[name, default: []] += claim.jobIDs
            condition.unlock()
        }
        do {
            if !outstanding.isEmpty {
                let job = try submit(outstanding, attempt: attempt, after: dependsOn)
                attempt = job.attempt + 1
            }
        } catch {
            outcome.problem = "cannot submit stage \(name): \(error.localizedDescription)"
            return outcome
        }
        lock.update(holder: StageLock.holderLine(command: options.command) + " (slurm job" + (claim.jobs.count == 1 ? " " : "s ")
                    + claim.jobIDs.joined(separator: ", ") + ")")
        events(.submitted(stage: name, jobs: claim.jobIDs, tasks: count, dependsOn: dependsOn, adopted: adopted))
        outcome.logs = (0..<count).compactMap { claim.latestJob[$0]?.logs[String($0)] }
        if options.detach {
            outcome.detached = true
            outcome.jobs = claim.jobs
            return outcome
        }
        condition.lock()
        states[name] = .submitted(plan)
        condition.broadcast()
        condition.unlock()

        // Follow until every task has ended for good (retries and resubmissions included).
        var retriesLeft = options.retries
        var lastProgress = ""
        var taskStates: [Int: SlurmTask] = [:]
        var finalUpstream: [String: StagePlan]?
        follow: while true {
            if isInterrupted {
                slurm.cancel(claim.jobIDs)
                outcome.problem = "interrupted: its Slurm jobs were cancelled (scancel \(claim.jobIDs.joined(separator: " ")))"
                taskStates = claim.states(slurm)
                break follow
            }
            taskStates = claim.states(slurm)
            let progress = SlurmClaim.progress(taskStates, count: count, jobs: claim.jobIDs)
            if progress != lastProgress {
                events(.cluster(stage: name, progress: progress))
                lastProgress = progress
            }
            if taskStates.count == count && taskStates.values.allSatisfy(\.isFinished) {
                let blocked = taskStates.values.filter(\.blockedByDependency).map(\.task).sorted()
                if !blocked.isEmpty {
                    // A job it depended on failed: once the upstream stage settles (retried, or failed for good), go on or stop.
                    switch waitForUpstream(stage) {
                    case .failure(let reason):
                        outcome.upstreamFailed = reason.text
                        outcome.jobs = claim.jobs
                        return outcome
                    case .success(let plans):
                        finalUpstream = plans
                        do { _ = try submit(blocked, attempt: max(0, attempt - 1), after: []) } catch {
                            outcome.problem = "cannot submit stage \(name): \(error.localizedDescription)"
                            break follow
                        }
                        continue follow
                    }
                }
                let failed = Self.failedTasks(taskStates, count: count, items: plan.kind == .items, claim: claim)
                if !failed.isEmpty && retriesLeft > 0 {
                    retriesLeft -= 1
                    let failures = failed.map { task in describe(task, taskStates[task], claim: claim) }
                    do {
                        let job = try submit(failed, attempt: attempt, after: [])
                        events(.retrying(stage: name, tasks: failed, job: job.id, attempt: attempt, failures: failures))
                        attempt += 1
                    } catch {
                        outcome.problem = "cannot resubmit stage \(name): \(error.localizedDescription)"
                        break follow
                    }
                    continue follow
                }
                break follow
            }
            Thread.sleep(forTimeInterval: options.pollInterval)
        }

        // Chained on an upstream stage that was still on the cluster when this one was planned (it may have
        // finished before this one was submitted): its final plan is needed for this stage's record.
        if finalUpstream == nil && upstream.values.contains(where: { !$0.status.isUpToDate }) {
            switch waitForUpstream(stage) {
            case .failure(let reason): outcome.upstreamFailed = reason.text
            case .success(let plans): finalUpstream = plans
            }
        }
        outcome.upstream = finalUpstream
        outcome.jobs = claim.jobs
        let latest = claim.latestJob
        outcome.tasks = (0..<count).map { task in
            let state = taskStates[task]
            let job = latest[task]
            return SlurmTaskOutcome(task: task, job: job?.id ?? "", attempt: job?.attempt ?? 0, state: state?.state ?? "UNKNOWN",
                                    exitCode: state?.exitCode, node: state?.node, log: job?.logs[String(task)])
        }
        outcome.logs = outcome.tasks.compactMap(\.log)
        if plan.kind == .items {
            for task in 0..<count {
                if let file = latest[task]?.summaries?[String(task)] { outcome.counts.add(URL(fileURLWithPath: file)) }
            }
        }
        let failed = Self.failedTasks(taskStates, count: count, items: plan.kind == .items, claim: claim)
        if outcome.problem == nil {
            if failed.isEmpty {
                outcome.exit = StageProcess.Exit(status: 0, signal: nil)
            } else {
                let lines = failed.map { describe($0, taskStates[$0], claim: claim) }
                outcome.exit = StageProcess.Exit(status: 1, signal: nil, detail: "\(failed.count) of \(count) Slurm task(s) failed: "
                                                 + lines.joined(separator: "; "))
            }
        }
        return outcome
    }

    /// Whether the latest job of `task` left its summary (an item stage writes it when it ends well).
    static func hasSummary(_ task: Int, claim: SlurmClaim) -> Bool {
        guard let file = claim.latestJob[task]?.summaries?[String(task)] else { return false }
        return FileManager.default.fileExists(atPath: file)
    }

    /// The tasks that did not end well: not COMPLETED with exit 0, or (item stages) without their summary
    /// (Slurm can report COMPLETED for a task that never ran, e.g. with a broken proctrack plugin).
    static func failedTasks(_ states: [Int: SlurmTask], count: Int, items: Bool, claim: SlurmClaim) -> [Int] {
        (0..<count).filter { task in
            guard let state = states[task] else { return true }
            return !state.succeeded || (items && !hasSummary(task, claim: claim))
        }
    }

    /// `task 3 (job 12_3) FAILED, exit 1:0, on n2; log …`
    private func describe(_ task: Int, _ state: SlurmTask?, claim: SlurmClaim) -> String {
        let job = claim.latestJob[task]
        var text = "task \(task) (job \(job?.id ?? "?")\(job?.array == true ? "_\(task)" : ""))"
        if let state {
            if state.succeeded { text += " COMPLETED without writing its summary (did the stage run at all?)" }
            else { text += " " + state.state + (state.exitCode.map { ", exit \($0)" } ?? "") }
            if let node = state.node { text += ", on \(node)" }
        } else {
            text += " unknown to Slurm"
        }
        if let log = job?.logs[String(task)] { text += "; log \(log)" }
        return text
    }

    /// Waits until every upstream stage of `stage` has settled; their final plans, or why one did not complete.
    private func waitForUpstream(_ stage: StageDefinition) -> Result<[String: StagePlan], UpstreamFailure> {
        condition.lock()
        defer { condition.unlock() }
        while true {
            var plans: [String: StagePlan] = [:]
            var waiting = false
            for dependency in stage.dependencies {
                switch states[dependency]! {
                case .done(let plan), .wouldRun(let plan): plans[dependency] = plan
                case .failed, .skipped, .deferred:
                    return .failure(UpstreamFailure(text: "upstream \(dependency) did not complete"))
                case .pending, .running, .submitted: waiting = true
                }
            }
            if !waiting { return .success(plans) }
            condition.wait()
        }
    }

    struct UpstreamFailure: Error, CustomStringConvertible { var text: String; var description: String { text } }

    /// The job script: the stage's executable with its arguments (absolute paths), this task's
    /// `--shard i/N` and `--summary`, `VIMO_THREADS` from `--cpus-per-task`. Jobs inherit the
    /// submitter's environment (sbatch's default) and start in its working directory.
    private func jobScript(_ plan: StagePlan, count: Int, summary: (Int) -> URL) -> String {
        let quote = StageProcess.shellQuoted
        var lines = [
            "#!/bin/sh",
            "# vimo run \(pipeline.name): stage \(plan.name), \(count) task(s); written by: \(options.command)",
            "i=${SLURM_ARRAY_TASK_ID:-0}",
            "if [ -n \"${SLURM_CPUS_PER_TASK:-}\" ]; then export VIMO_THREADS=$SLURM_CPUS_PER_TASK; fi",
            "export \(StageProcess.fingerprintVariable)=" + quote(plan.fingerprint ?? ""),
            "set -- " + plan.arguments.map(quote).joined(separator: " "),
        ]
        if plan.kind == .items {
            let pattern = summary(0).path.replacingOccurrences(of: count == 1 ? ".json" : "-shard-0-of-", with: count == 1 ? ".json" : "-shard-${i}-of-")
            lines.append("set -- \"$@\" --summary \"\(pattern)\"" + (count > 1 ? " --shard \"$i/\(count)\"" : ""))
        }
        lines += [
            "echo \"\\$ \(quote(plan.executable.path)) $* (task $i of job ${SLURM_ARRAY_JOB_ID:-$SLURM_JOB_ID} on ${SLURMD_NODENAME:-?})\"",
            "exec \(quote(plan.executable.path)) \"$@\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
