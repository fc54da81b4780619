import ArgumentParser
import Core
import Foundation
import StageCLI
import Store
import Torch

/// `vimo-flow`: optical flow between consecutive cached frames.
@main
struct FlowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vimo-flow",
        abstract: "Compute optical flow (RAFT or OpenCV DIS) between consecutive decoded frames, cached as float16 HDF5 shards.",
        version: FlowSettings.codeVersion,
        subcommands: [Compute.self, Preview.self],
        defaultSubcommand: Compute.self)
}

/// `vimo-flow compute` (the default).
struct Compute: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute flow for every item of a decode folder.",
        discussion: """
        Reads the frame shards written by vimo-decode and writes `flow` float16 (N, 2, 224, 224) rows, one per \
        consecutive frame pair (T−1 per video), with `frame_index` the first frame of each pair. Items already \
        committed in --out for the same upstream item are skipped; a video with one frame gets zero rows.

        RAFT weights: torchvision's raft_large / raft_small checkpoints (.pth, e.g. raft_large_C_T_SKHT_V2-ff5fadd5.pth) \
        or the original princeton-vl ones, or .safetensors; `random:SEED` builds seeded random weights (tests, benchmarks).

        Weights holding NaN or Inf are rejected at load, naming the file and the tensor; an item whose flow comes out \
        NaN or Inf fails (named, its rows not written) while the others are committed.

        Exit status: 0 all items done or cached; 1 more failures than --max-failures; 2 unusable inputs \
        (missing, mismatched or damaged weights, frames folder unreadable, --out made with other parameters or not \
        creatable); 64 invalid options.
        """)

    @Option(name: .long, help: ArgumentHelp("Folder of decode shards (vimo-decode --out).", valueName: "dir"))
    var frames: String

    @Option(name: .long, help: ArgumentHelp("Output folder for flow shards.", valueName: "dir"))
    var out: String

    @Option(name: .long, help: "raft-large, raft-small or dis (OpenCV DIS on the CPU, no weights).")
    var method: FlowMethodName = .raftLarge

    @Option(name: .long, help: ArgumentHelp("RAFT weights (.pth, .safetensors) or random:SEED.", valueName: "file"))
    var weights: String?

    @Option(name: .long, help: "RAFT refinement iterations (torchvision default 12, the original demo 20).")
    var iters: Int = 12

    @Option(name: .long, help: "Frame pairs per RAFT batch (memory stays bounded for long videos).")
    var batch: Int = 8

    @Option(name: .long, help: "DIS preset: ultrafast, fast or medium.")
    var preset: String = "fast"

    @Option(name: .long, help: "cpu, cuda or cuda:N.")
    var device: String = "cpu"

    @Option(name: .long, help: "Items per shard file.")
    var itemsPerShard: Int = 16

    @Option(name: .long, help: StorageProfile.help)
    var storage: StorageProfile = .default

    @OptionGroup var stage: StageOptions

    mutating func validate() throws {
        guard iters >= 1 else { throw ValidationError("--iters must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard itemsPerShard >= 1 else { throw ValidationError("--items-per-shard must be at least 1") }
        guard Device(device) != nil else { throw ValidationError("--device must be cpu, cuda or cuda:N") }
        if method != .dis && weights == nil {
            throw ValidationError("--method \(method.rawValue) needs --weights (a RAFT checkpoint, or random:SEED for tests)")
        }
        if method == .dis && !["ultrafast", "fast", "medium"].contains(preset) {
            throw ValidationError("--preset must be ultrafast, fast or medium")
        }
    }

    func run() throws {
        let terminal = Terminal(program: "vimo-flow", quiet: stage.quiet)
        let settings = FlowSettings(
            frames: URL(fileURLWithPath: frames), output: URL(fileURLWithPath: out), method: method, weights: weights,
            iterations: iters, batch: batch, preset: preset, device: Device(device)!,
            shard: stage.selector, itemsPerShard: itemsPerShard,
            storage: storage, fingerprint: stage.fingerprint)
        let result: StageSummary
        do {
            result = try FlowRun(settings: settings, terminal: terminal).run()
        } catch {
            terminal.error(error.localizedDescription)
            throw ExitCode(2)
        }
        try stage.finish(result, output: settings.output, terminal: terminal)
    }
}

/// `--method` values.
enum FlowMethodName: String, ExpressibleByArgument, CaseIterable {
    case raftLarge = "raft-large"
    case raftSmall = "raft-small"
    case dis
}
