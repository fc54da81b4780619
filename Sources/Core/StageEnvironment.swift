import Foundation

/// What `vimo run` tells each stage process it starts, locally or in a Slurm job script.
public enum StageEnvironment {
    /// The variable holding the stage's fingerprint (its folder's), so a whole-set stage can stamp what it
    /// writes with it: the scores shards of vimo-tfam / vimo-amclip predict, the checkpoints of the trainers.
    public static let fingerprintVariable = "VIMO_STAGE_FINGERPRINT"

    /// The fingerprint `vimo run` gave this process, nil when it was started some other way.
    public static var fingerprint: String? {
        ProcessInfo.processInfo.environment[fingerprintVariable].flatMap { $0.isEmpty ? nil : $0 }
    }
}
