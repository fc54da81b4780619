import ArgumentParser
import Core
import Datasets
import Foundation
import Media
import StageCLI
import Store

/// `vimo-decode`: decode a dataset's videos to 224×224 RGB frames in HDF5 shards.
@main
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vimo-decode",
        abstract: "Decode a video dataset to 224×224 RGB frames cached in HDF5 shards.",
        discussion: """
        Reads an Animal Kingdom layout (<root>/video/<id>.mp4 + <root>/annotation/) or a folder with \
        labels.csv, decodes each video with FFmpeg (bilinear, bit-identical to the ffmpeg CLI), and writes \
        shards to --out. Items already committed there with the same video digest are skipped, so an \
        interrupted run resumes where it stopped and new videos are the only work.

        Exit status: 0 all items decoded or cached; 1 more items failed than --max-failures allows; \
        2 the dataset or the output folder cannot be used (bad annotations, mismatched parameters); \
        64 invalid options.
        """)

    @Option(name: .long, help: ArgumentHelp("Dataset root folder.", valueName: "root"))
    var dataset: String

    @Option(name: .long, help: "Which split to decode: train, val or all.")
    var split: SplitOption = .all

    @Option(name: .long, help: ArgumentHelp("Output folder for the shards (created if missing).", valueName: "dir"))
    var out: String

    @Option(name: .long, help: ArgumentHelp("Frames to keep: all, fps:F, uniform:N (segment centres) or indices:a,b,c.",
                                            valueName: "selection"))
    var sampling: String = "all"

    @Option(name: .long, help: ArgumentHelp("Take only the items of shard i of N (stable hash of the id), for job arrays.",
                                            valueName: "i/N"))
    var shard: String = "0/1"

    @Option(name: .long, help: "Videos decoded in parallel (each with --threads codec threads).")
    var workers: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    @Option(name: .long, help: "Codec threads per video.")
    var threads: Int = 1

    @Option(name: .long, help: "Items per shard file; each shard is committed atomically when full.")
    var itemsPerShard: Int = 64

    @Option(name: .long, help: "Shard compression: none, gzip[:level] (with shuffle), lz4, zstd[:level] (filters need hdf5-filter-plugin).")
    var compression: String = "none"

    @Option(name: .long, help: "Exit 0 even if up to this many items fail to decode.")
    var maxFailures: Int = 0

    @Flag(name: .long, help: "Skip bad annotation rows (reported) instead of stopping at the first one.")
    var continueOnBadRows = false

    @Option(name: .long, help: ArgumentHelp("Where to write the run summary JSON (default: <out>/summary-decode[-shard-i-of-N].json).",
                                            valueName: "file"))
    var summary: String?

    @Option(name: .long, help: "Stage fingerprint recorded in the shards (the runner passes it; default: derived from the parameters).")
    var fingerprint: String?

    @Flag(name: .long, help: "No progress lines on stderr (failures are still reported).")
    var quiet = false

    mutating func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard itemsPerShard >= 1 else { throw ValidationError("--items-per-shard must be at least 1") }
        guard maxFailures >= 0 else { throw ValidationError("--max-failures cannot be negative") }
        do { _ = try FrameSelection(parsing: sampling) } catch { throw ValidationError("--sampling: \(error.localizedDescription)") }
        do { _ = try ShardSelector(parsing: shard) } catch { throw ValidationError(error.localizedDescription) }
        do { _ = try Compression(parsing: compression) } catch {
            throw ValidationError("--compression: \(error.localizedDescription)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dataset, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--dataset \(dataset) is not a folder")
        }
    }

    func run() throws {
        let settings = DecodeSettings(
            datasetRoot: URL(fileURLWithPath: dataset), split: split.selection, output: URL(fileURLWithPath: out),
            selection: try FrameSelection(parsing: sampling), shard: try ShardSelector(parsing: shard),
            workers: workers, threads: threads, itemsPerShard: itemsPerShard,
            compression: try Compression(parsing: compression), continueOnBadRows: continueOnBadRows,
            fingerprint: fingerprint)
        let terminal = Terminal(program: "vimo-decode", quiet: quiet)
        let result: StageSummary
        do {
            result = try DecodeRun(settings: settings, terminal: terminal).run()
        } catch {
            terminal.error(error.localizedDescription)
            throw ExitCode(2)
        }
        let summaryURL = summary.map { URL(fileURLWithPath: $0) }
            ?? StageSummary.defaultURL(folder: settings.output, stage: "decode", shard: settings.shard)
        do { try result.write(to: summaryURL) } catch {
            terminal.error("cannot write the run summary: \(error.localizedDescription)")
        }
        terminal.line(result.closingLine + " Summary: \(summaryURL.path)")
        if result.failed.count > maxFailures { throw ExitCode(1) }
    }
}

/// `--split` values.
enum SplitOption: String, ExpressibleByArgument, CaseIterable {
    case train, val, all
    var selection: SplitSelection {
        switch self {
        case .train: return .train
        case .val: return .val
        case .all: return .all
        }
    }
}
