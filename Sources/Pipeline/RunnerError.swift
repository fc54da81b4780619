import Foundation

/// Why the runner cannot plan or run a stage; every case names the stage, file or holder.
public enum RunnerError: Error, LocalizedError, Equatable {
    case missingInput(path: String, reason: String)
    case executableNotFound(stage: String, name: String, searched: [String])
    case unknownVersion(stage: String, executable: String, reason: String)
    case unknownStage(String, pipeline: String)
    case lockTimeout(stage: String, directory: String, holder: String)
    case lockFailed(path: String, reason: String)
    case unusableCache(path: String, reason: String)
    case pipelineNotFound(String, searched: [String])
    case invalidStage(String, reason: String)
    case interrupted(stage: String)
    case invalidSetting(String)
    case slurm(command: String, reason: String)

    /// One line naming what failed and what to do.
    public var errorDescription: String? {
        switch self {
        case .missingInput(let path, let reason):
            return "\(path): cannot read this input (\(reason))"
        case .executableNotFound(let stage, let name, let searched):
            return "stage \(stage): executable '\(name)' not found (looked in \(searched.joined(separator: ", ")))"
        case .unknownVersion(let stage, let executable, let reason):
            return "stage \(stage): cannot learn the code version of \(executable) (\(reason)); give the stage a 'version:'"
        case .unknownStage(let name, let pipeline):
            return "pipeline \(pipeline) has no stage '\(name)'"
        case .lockTimeout(let stage, let directory, let holder):
            return "stage \(stage): \(directory) is locked by \(holder); gave up waiting (--lock-timeout)"
        case .lockFailed(let path, let reason):
            return "\(path): cannot lock (\(reason))"
        case .unusableCache(let path, let reason):
            return "cache \(path): \(reason)"
        case .interrupted(let stage):
            return "stage \(stage): interrupted before it started"
        case .invalidStage(let stage, let reason):
            return "stage \(stage): \(reason)"
        case .invalidSetting(let text):
            return text
        case .slurm(let command, let reason):
            return "\(command): \(reason)"
        case .pipelineNotFound(let name, let searched):
            return "no pipeline '\(name)' (looked for \(searched.joined(separator: ", ")))"
        }
    }
}
