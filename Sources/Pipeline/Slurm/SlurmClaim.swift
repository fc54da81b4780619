import Core
import Foundation

/// One submission of a stage's tasks: the first, a retry of failed tasks, or a resubmission of
/// tasks that a failed dependency cancelled before they started.
public struct SlurmJob: Codable, Equatable, Sendable {
    /// The job id from `sbatch --parsable`.
    public var id: String
    /// The array indices it runs (`[0]` for a whole-set stage).
    public var tasks: [Int]
    /// 0 for the first submission, k for the k-th retry.
    public var attempt: Int
    /// The jobs it waits for (`--dependency=afterok:…`).
    public var dependsOn: [String]
    /// Task index → its log file.
    public var logs: [String: String]
    /// Whether it is a job array (item stages) or a single job (whole-set stages).
    public var array: Bool
    /// Task index → the summary file it writes (item stages).
    public var summaries: [String: String]?
}

/// A stage's claim on the cluster, `<stage folder>/.slurm.json`: which jobs compute the folder,
/// who submitted them (host, pid, run) and for which fingerprint. It is the cross-node half of the
/// stage lock: the flock on `.lock` is held by the runner while it follows the jobs (one host, the
/// login node), and the claim outlives it (`--detach`, a killed runner). A runner that takes the
/// lock and finds a claim follows its jobs while Slurm reports any of them unfinished, and takes
/// over (submits what did not complete) once Slurm reports them all finished or no longer knows
/// them. Removed when the stage's record is written.
public struct SlurmClaim: Codable, Equatable, Sendable {
    public static let fileName = ".slurm.json"

    public var stage: String
    public var pipeline: String
    public var fingerprint: String
    public var host: String
    public var pid: Int32
    public var runFolder: String
    public var submittedAt: String
    /// Tasks in all: the array size of an item stage (`processes`), 1 for a whole-set stage.
    public var count: Int
    public var jobs: [SlurmJob]

    /// The claim in `directory`, when there is one that reads.
    public static func read(directory: URL) -> SlurmClaim? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(fileName)) else { return nil }
        return try? JSONDecoder.snakeCase.decode(SlurmClaim.self, from: data)
    }

    func write(directory: URL) throws {
        try AtomicFile.write(try JSONEncoder.snakeCasePretty.encode(self), to: directory.appendingPathComponent(Self.fileName))
    }

    static func remove(directory: URL) {
        try? FileManager.default.removeItem(at: directory.appendingPathComponent(fileName))
    }

    /// Task index → the latest job that runs it.
    var latestJob: [Int: SlurmJob] {
        var latest: [Int: SlurmJob] = [:]
        for job in jobs { for task in job.tasks { latest[task] = job } }
        return latest
    }

    /// Every job id, for `scancel`.
    var jobIDs: [String] { jobs.map(\.id) }

    /// Each task's latest state, asking Slurm once per job; a job Slurm no longer knows gives
    /// UNKNOWN tasks (the caller decides from the stage's outputs).
    func states(_ client: SlurmClient) -> [Int: SlurmTask] {
        var states: [Int: SlurmTask] = [:]
        let latest = latestJob
        for job in jobs {
            let wanted = job.tasks.filter { latest[$0]?.id == job.id }
            guard !wanted.isEmpty else { continue }
            let known = client.tasks(of: job.id, count: count).map { tasks in
                Dictionary(tasks.map { ($0.task, $0) }, uniquingKeysWith: { $1 })
            }
            for task in wanted {
                states[task] = known?[task] ?? SlurmTask(task: task, state: "UNKNOWN", exitCode: nil, node: nil, reason: nil, started: false)
            }
        }
        return states
    }

    /// What the cluster is doing for the stage folder `directory` (fingerprint `fingerprint`), for `vimo status`;
    /// nil without a claim.
    public static func progress(directory: URL, fingerprint: String?, client: SlurmClient = SlurmClient()) -> String? {
        guard let claim = read(directory: directory), claim.fingerprint == fingerprint else { return nil }
        let states = claim.states(client)
        let text = progress(states, count: claim.count, jobs: claim.jobIDs)
        return states.values.allSatisfy(\.isFinished) ? text + "; ended, `vimo run` records it or submits what failed" : text
    }

    /// `6/16 tasks done, 10 running (job 4213)`: the progress line of `vimo run` and `vimo status`.
    static func progress(_ states: [Int: SlurmTask], count: Int, jobs: [String]) -> String {
        let values = Array(states.values)
        let done = values.filter(\.succeeded).count
        let running = values.filter { $0.state == "RUNNING" || $0.state == "COMPLETING" }.count
        let pending = values.filter { !$0.isFinished && $0.state != "RUNNING" && $0.state != "COMPLETING" }.count
        let failed = values.filter { $0.isFinished && !$0.succeeded }.count
        var parts = ["\(done)/\(count) task\(count == 1 ? "" : "s") done"]
        if running > 0 { parts.append("\(running) running") }
        if pending > 0 { parts.append("\(pending) pending") }
        if failed > 0 { parts.append("\(failed) failed") }
        let label = jobs.count == 1 ? "job \(jobs[0])" : "jobs " + jobs.joined(separator: ", ")
        return parts.joined(separator: ", ") + " (\(label))"
    }
}
