import Foundation

/// Where a stage's processes run.
public enum ExecutorKind: String, Codable, Sendable, CaseIterable {
    /// Child processes of the runner, on this machine.
    case local
    /// Slurm jobs: a job array for an item stage (one task per process), one job for a whole-set stage.
    case slurm

    static func parse(_ node: LocatedNode, expander: ReferenceExpander) throws -> ExecutorKind {
        let text = try expander.text(node)
        guard let kind = ExecutorKind(rawValue: text) else {
            throw node.error("executor must be 'local' or 'slurm', found '\(text)'")
        }
        return kind
    }
}

/// What a stage asks of Slurm: sbatch's resource options. Execution only: none of it enters a
/// fingerprint, so the same pipeline gives the same folders on a laptop and on a cluster.
/// Precedence, strongest first: the command line (`--slurm-*`), the stage's `slurm:`, the
/// pipeline's `slurm:`, the environment (`VIMO_SLURM_*`).
public struct SlurmResources: Equatable, Codable, Sendable {
    /// `--partition`
    public var partition: String?
    /// `--account`
    public var account: String?
    /// `--qos`
    public var qos: String?
    /// `--time` (Slurm's formats: `MM`, `HH:MM:SS`, `D-HH`).
    public var time: String?
    /// `--cpus-per-task`; the job's `VIMO_THREADS` too.
    public var cpus: Int?
    /// `--mem` (`16G`, `4000M`).
    public var memory: String?
    /// `--gpus` (`1`, `a100:2`).
    public var gpus: String?
    /// `--gres` (`gpu:1`).
    public var gres: String?
    /// Further sbatch arguments, as words (`--constraint=avx512`, `--exclude=node7`).
    public var extra: [String] = []

    /// The keys of a `slurm:` block.
    public static let keys = ["partition", "account", "qos", "time", "cpus", "memory", "gpus", "gres", "extra"]

    public init() {}

    /// Whether GPUs are requested (`gpus` or a `gres` naming gpu).
    public var wantsGPUs: Bool { gpus != nil || (gres?.contains("gpu") ?? false) }

    /// These resources over `base`: a field set here wins; `extra` words are appended to the base's.
    public func over(_ base: SlurmResources) -> SlurmResources {
        var merged = base
        merged.partition = partition ?? base.partition
        merged.account = account ?? base.account
        merged.qos = qos ?? base.qos
        merged.time = time ?? base.time
        merged.cpus = cpus ?? base.cpus
        merged.memory = memory ?? base.memory
        merged.gpus = gpus ?? base.gpus
        merged.gres = gres ?? base.gres
        merged.extra = base.extra + extra
        return merged
    }

    /// The sbatch options these resources become.
    public var sbatchArguments: [String] {
        var words: [String] = []
        if let partition { words.append("--partition=" + partition) }
        if let account { words.append("--account=" + account) }
        if let qos { words.append("--qos=" + qos) }
        if let time { words.append("--time=" + time) }
        if let cpus { words.append("--cpus-per-task=\(cpus)") }
        if let memory { words.append("--mem=" + memory) }
        if let gpus { words.append("--gpus=" + gpus) }
        if let gres { words.append("--gres=" + gres) }
        return words + extra
    }

    /// `VIMO_SLURM_PARTITION`, `…_ACCOUNT`, `…_QOS`, `…_TIME`, `…_CPUS`, `…_MEMORY`, `…_GPUS`, `…_GRES`,
    /// `…_EXTRA` (words split on spaces).
    public static func environment(_ variables: [String: String]) throws -> SlurmResources {
        var resources = SlurmResources()
        func value(_ key: String) -> String? {
            variables["VIMO_SLURM_" + key].flatMap { $0.isEmpty ? nil : $0 }
        }
        resources.partition = value("PARTITION")
        resources.account = value("ACCOUNT")
        resources.qos = value("QOS")
        resources.time = value("TIME")
        if let cpus = value("CPUS") {
            guard let count = Int(cpus), count >= 1 else {
                throw RunnerError.invalidSetting("VIMO_SLURM_CPUS must be a whole number of at least 1, found '\(cpus)'")
            }
            resources.cpus = count
        }
        resources.memory = value("MEMORY")
        resources.gpus = value("GPUS")
        resources.gres = value("GRES")
        resources.extra = value("EXTRA")?.split(separator: " ").map(String.init) ?? []
        return resources
    }

    static func parse(_ entries: OrderedEntries<LocatedNode>, expander: ReferenceExpander) throws -> SlurmResources {
        var resources = SlurmResources()
        for (key, node) in entries {
            if key == "extra" {
                if let items = node.sequenceItems {
                    resources.extra = try items.map { try expander.text($0) }
                } else {
                    resources.extra = try expander.text(node).split(separator: " ").map(String.init)
                }
                continue
            }
            guard node.sequenceItems == nil else { throw node.error("'\(key)' must be a single value") }
            let text = try expander.text(node)
            switch key {
            case "partition": resources.partition = text
            case "account": resources.account = text
            case "qos": resources.qos = text
            case "time": resources.time = text
            case "cpus":
                guard let count = Int(text), count >= 1 else { throw node.error("'cpus' must be a whole number of at least 1") }
                resources.cpus = count
            case "memory": resources.memory = text
            case "gpus": resources.gpus = text
            case "gres": resources.gres = text
            default: throw node.error(RawPipelineParser.unknownKey(key, allowed: keys))
            }
        }
        return resources
    }
}
