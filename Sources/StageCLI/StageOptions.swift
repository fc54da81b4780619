import ArgumentParser
import Core
import Foundation
import Store

/// Options every item stage executable shares (vimo-decode, vimo-flow, vimo-clip, vimo-moclip embed).
public struct StageOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Take only the items of shard i of N (stable hash of the id), for job arrays.",
                                            valueName: "i/N"))
    public var shard: String = "0/1"

    @Option(name: .long, help: "Exit 0 even if up to this many items fail.")
    public var maxFailures: Int = 0

    @Option(name: .long, help: ArgumentHelp("Where to write the run summary JSON (default: <out>/summary-<stage>[-shard-i-of-N].json).",
                                            valueName: "file"))
    public var summary: String?

    @Option(name: .long, help: "Stage fingerprint recorded in the shards (the runner passes it; default: derived from the parameters).")
    public var fingerprint: String?

    @Flag(name: .long, help: "No progress lines on stderr (failures are still reported).")
    public var quiet = false

    public init() {}

    public func validate() throws {
        guard maxFailures >= 0 else { throw ValidationError("--max-failures cannot be negative") }
        do { _ = try ShardSelector(parsing: shard) } catch { throw ValidationError(error.localizedDescription) }
    }

    /// The parsed `--shard`.
    public var selector: ShardSelector { (try? ShardSelector(parsing: shard)) ?? .all }

    /// Writes the summary, prints the closing line, and exits 3 when the stage stopped for want of
    /// space (`result.stopped`), 1 when more items failed than allowed.
    public func finish(_ result: StageSummary, output: URL, terminal: Terminal) throws {
        let url = summary.map { URL(fileURLWithPath: $0) } ?? StageSummary.defaultURL(folder: output, stage: result.stage, shard: selector)
        do { try result.write(to: url) } catch {
            terminal.error("cannot write the run summary \(url.path): \(error.localizedDescription)")
        }
        terminal.line(result.closingLine + " Summary: \(url.path)")
        if let stopped = result.stopped {
            terminal.error(stopped)
            throw ExitCode(OutOfSpace.exitStatus)
        }
        if result.failed.count > maxFailures {
            terminal.error("\(result.failed.count) item(s) failed, more than --max-failures \(maxFailures) allows "
                + "(every other item is committed); to let a run go on past them (missing or damaged videos, say), "
                + "raise --max-failures, or the pipeline's max-failures param")
            throw ExitCode(1)
        }
    }
}

extension StorageProfile: ExpressibleByArgument {
    /// `exact`, `raw`, `compact` or `compact:quality=Q,subsampling=444|420` (`StorageProfile(parsing:)`).
    public init?(argument: String) {
        guard let profile = try? StorageProfile(parsing: argument) else { return nil }
        self = profile
    }

    /// The `--storage` help of the stages that write frames or flow (vimo-decode, vimo-flow).
    public static let help = ArgumentHelp(
        "How the shards store their rows: exact (lossless frames, flow rounded no coarser than float16 at each field's largest "
            + "vector; shuffle + zstd; h5py reads them after `import hdf5plugin`), compact (frames as JPEG, quality 95 and 4:2:0 "
            + "unless compact:quality=Q,subsampling=444|420 says otherwise, decoded by vimo's readers and Pillow; flow rounded "
            + "at k = 8, within 1/512 of each field's largest vector) or raw (no filters; plain h5py). Enters the fingerprint.",
        valueName: "exact|compact[:quality=Q,subsampling=444|420]|raw")
}
