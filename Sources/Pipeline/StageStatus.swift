import Foundation

/// Whether a stage must run, and why, in words a researcher can act on.
public enum StageStatus: Equatable, Sendable {
    /// Complete for the current code, params and inputs; `note` tells about failures or a
    /// run in progress.
    case upToDate(note: String?)
    /// Must run; the reasons (code, params, upstream, items missing, …).
    case stale([String])
    /// Its fingerprint depends on upstream stages that must run first.
    case waiting(upstream: [String])

    /// Whether the stage needs no run.
    public var isUpToDate: Bool {
        if case .upToDate = self { return true }
        return false
    }

    /// `up to date`, `stale: …`, `waits for …`.
    public var text: String {
        switch self {
        case .upToDate(let note): return "up to date" + (note.map { " (\($0))" } ?? "")
        case .stale(let reasons): return "stale: " + reasons.joined(separator: "; ")
        case .waiting(let upstream): return "waits for " + upstream.joined(separator: ", ")
        }
    }
}

/// One stage resolved against the cache: its executable, code version, fingerprint, folder,
/// command line and status.
public struct StagePlan: Sendable {
    /// The stage name.
    public var name: String
    /// items or whole.
    public var kind: StageKind
    /// Processes that share an item stage's items (`processes:`; 1 otherwise).
    public var processes: Int
    /// The executable that runs it.
    public var executable: URL
    /// The code version.
    public var version: String
    /// The canonical params JSON (params and input identities) that enters the fingerprint.
    public var params: String
    /// Param key → its canonical JSON text, for telling which param changed.
    public var paramValues: [String: String]
    /// nil while an upstream stage must run first.
    public var fingerprint: String?
    /// The stage folder.
    public var directory: URL?
    /// Executable arguments (subcommand words, inputs, params, `--out`, `--fingerprint`), known with the fingerprint.
    public var arguments: [String]
    /// Option → the folder or file handed to the stage.
    public var inputs: [String: String]
    /// Upstream stage → the token that entered the fingerprint (its fingerprint, `@item-index` for a whole stage).
    public var upstreamTokens: [String: String]
    /// Up to date, stale (why), or waiting for upstream stages.
    public var status: StageStatus
    /// The directory's `run.json`, when complete.
    public var record: StageRecord?
    /// Item stage: current item index of each upstream item stage.
    var upstreamItems: [String: String]
    /// Item stage: current content of each dataset input.
    var datasets: [String: InputContent]
    /// Digest of each external input that entered the fingerprint by content (weights, annotations).
    var inputDigests: [String: String] = [:]
}
