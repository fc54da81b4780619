import Foundation

/// One array task (or the single task of a plain job) as Slurm reports it.
public struct SlurmTask: Codable, Equatable, Sendable {
    /// The array index (0 for a plain job).
    public var task: Int
    /// JobState: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, … (UNKNOWN: Slurm no longer knows the job).
    public var state: String
    /// ExitCode `status:signal`, as Slurm prints it.
    public var exitCode: String?
    /// The node it ran on.
    public var node: String?
    /// Why it waits or ended (`DependencyNeverSatisfied`, `None`).
    public var reason: String?
    /// Whether it ever started (a task cancelled for a failed dependency never does).
    public var started: Bool

    static let terminalStates: Set<String> = [
        "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL",
        "DEADLINE", "REVOKED", "SPECIAL_EXIT", "UNKNOWN",
    ]
    /// Whether the task will not change any more.
    public var isFinished: Bool { Self.terminalStates.contains(state) }
    /// Whether it ended well: COMPLETED with exit 0.
    public var succeeded: Bool { state == "COMPLETED" && (exitCode ?? "0:0") == "0:0" }
    /// Whether it ended without running because a job it depended on failed.
    public var blockedByDependency: Bool { state == "CANCELLED" && ((reason?.contains("Dependency") ?? false) || !started) }
}

/// The Slurm commands the runner needs (sbatch, scontrol, sacct, scancel), run as child
/// processes with the runner's environment (so `SLURM_CONF` and the user's defaults apply).
/// Every failure names the command and what it printed.
public struct SlurmClient: Sendable {
    /// Where the Slurm commands are looked up, when not on PATH.
    public var searchPath: [String] = ["/usr/bin", "/usr/local/bin", "/opt/slurm/bin"]

    public init() {}

    /// Whether `sbatch` can be found.
    public var isAvailable: Bool { tool("sbatch") != nil }

    /// Submits `script` with `arguments` (`--parsable`); returns the job id.
    public func submit(script: URL, arguments: [String]) throws -> String {
        let output = try run("sbatch", ["--parsable"] + arguments + [script.path])
        // --parsable prints "jobid" or "jobid;cluster".
        guard let line = output.split(separator: "\n").last,
              let id = line.split(separator: ";").first.map(String.init), !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw RunnerError.slurm(command: "sbatch", reason: "unexpected answer '\(output.trimmingCharacters(in: .whitespacesAndNewlines))'")
        }
        return id
    }

    /// The tasks of job `id`: from `scontrol show job` while Slurm remembers the job (MinJobAge),
    /// else from `sacct` where accounting exists; nil when neither knows it.
    public func tasks(of id: String, count: Int) -> [SlurmTask]? {
        if let text = try? run("scontrol", ["show", "job", "-o", id]) {
            let tasks = Self.parseScontrol(text, count: count)
            if !tasks.isEmpty { return tasks }
        }
        if let text = try? run("sacct", ["-n", "-P", "-X", "-j", id, "-o", "JobID,State,ExitCode,NodeList,Start"]) {
            let tasks = Self.parseSacct(text, job: id, count: count)
            if !tasks.isEmpty { return tasks }
        }
        return nil
    }

    /// Cancels jobs or array tasks (`12`, `12_3`); errors are ignored (the job may have ended).
    public func cancel(_ ids: [String]) {
        guard !ids.isEmpty else { return }
        _ = try? run("scancel", ids)
    }

    // MARK: - Parsing

    /// `scontrol show job -o` lines: one per array task, plus one for the still-pending range (`ArrayTaskId=2-5,7%4`).
    static func parseScontrol(_ text: String, count: Int) -> [SlurmTask] {
        var tasks: [Int: SlurmTask] = [:]
        for line in text.split(separator: "\n") {
            var fields: [String: String] = [:]
            for word in line.split(separator: " ") {
                guard let equals = word.firstIndex(of: "=") else { continue }
                let key = String(word[..<equals])
                if fields[key] == nil { fields[key] = String(word[word.index(after: equals)...]) }
            }
            guard let state = fields["JobState"] else { continue }
            let indices = fields["ArrayTaskId"].map { expandIndices($0) } ?? [0]
            let node = fields["NodeList"].flatMap { $0.isEmpty || $0 == "(null)" ? nil : $0 }
            let started = fields["StartTime"].map { $0 != "Unknown" && $0 != "None" } ?? false
            for index in indices where index < max(count, 1) {
                tasks[index] = SlurmTask(task: index, state: state, exitCode: fields["ExitCode"], node: node,
                                         reason: fields["Reason"], started: started && state != "PENDING")
            }
        }
        return tasks.keys.sorted().map { tasks[$0]! }
    }

    /// `sacct -n -P -X -o JobID,State,ExitCode,NodeList,Start` lines (`12_3|COMPLETED|0:0|n1|…`).
    static func parseSacct(_ text: String, job: String, count: Int) -> [SlurmTask] {
        var tasks: [Int: SlurmTask] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 5 else { continue }
            let id = fields[0]
            var indices = [0]
            if let underscore = id.firstIndex(of: "_") {
                var range = String(id[id.index(after: underscore)...])
                if range.hasPrefix("[") { range = String(range.dropFirst().dropLast()) }
                indices = expandIndices(range)
            }
            let state = fields[1].split(separator: " ").first.map(String.init) ?? fields[1]
            for index in indices where index < max(count, 1) {
                tasks[index] = SlurmTask(task: index, state: state, exitCode: fields[2], node: fields[3].isEmpty ? nil : fields[3],
                                         reason: nil, started: fields[4] != "Unknown" && fields[4] != "None")
            }
        }
        return tasks.keys.sorted().map { tasks[$0]! }
    }

    /// `0-3,7,9-10%2` → [0, 1, 2, 3, 7, 9, 10].
    static func expandIndices(_ text: String) -> [Int] {
        let body = text.split(separator: "%").first.map(String.init) ?? text
        var result: [Int] = []
        for part in body.split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 2, bounds[0] <= bounds[1] { result += Array(bounds[0]...bounds[1]) }
            else if bounds.count == 1 { result.append(bounds[0]) }
        }
        return result
    }

    /// `0,2-4` for sbatch's `--array` from indices.
    static func compressIndices(_ indices: [Int]) -> String {
        var parts: [String] = []
        var sorted = Array(Set(indices)).sorted()[...]
        while let first = sorted.first {
            var last = first
            sorted = sorted.dropFirst()
            while let next = sorted.first, next == last + 1 { last = next; sorted = sorted.dropFirst() }
            parts.append(first == last ? "\(first)" : "\(first)-\(last)")
        }
        return parts.joined(separator: ",")
    }

    // MARK: - Processes

    private func tool(_ name: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + searchPath
        return path.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @discardableResult
    func run(_ name: String, _ arguments: [String]) throws -> String {
        guard let path = tool(name) else {
            throw RunnerError.slurm(command: name, reason: "not found on PATH (is this a Slurm login node? scripts/slurm-local.sh starts a local cluster)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes to the end before waiting (a full pipe would block the child).
        final class Box: @unchecked Sendable { var data = Data() }
        let errors = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errors.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self)
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let message = String(decoding: errors.data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw RunnerError.slurm(command: ([name] + arguments).joined(separator: " "),
                                    reason: message.isEmpty ? "exit status \(process.terminationStatus)" : message)
        }
        return text
    }
}
