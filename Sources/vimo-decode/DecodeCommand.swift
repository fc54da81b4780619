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
        Reads the Animal Kingdom release as it unpacks (Animal_Kingdom/ or its action_recognition/ folder: \
        annotation/train.csv, val.csv, df_action.xlsx, AR_metadata.xlsx, dataset/video/<id>.mp4, \
        dataset/image/<id>/), ViMoCLIP's repository layout (dataset/annotations/, dataset/videos/), or a \
        folder with labels.csv; decodes each video with FFmpeg (bilinear, bit-identical to the ffmpeg CLI), \
        or its JPEG frame folder, and writes shards to --out. Items already committed there with the same \
        source digest are skipped, so an interrupted run resumes where it stopped and new videos are the \
        only work. A missing video fails its item (see --max-failures); the rest proceed.

        Exit status: 0 all items decoded or cached; 1 more items failed than --max-failures allows; \
        2 the dataset or the output folder cannot be used (bad annotations, mismatched parameters); \
        3 stopped because the disk (or quota, or the file-size limit) is full: committed items are kept, \
        run again after freeing space; 64 invalid options.
        """,
        version: DecodeSettings.codeVersion)

    @Option(name: .long, help: ArgumentHelp("Dataset root folder.", valueName: "root"))
    var dataset: String

    @Option(name: .long, help: ArgumentHelp("Folder with the videos, when they are not in the dataset's own video folder.",
                                            valueName: "dir"))
    var videos: String?

    @Option(name: .long, help: ArgumentHelp("Decode each item from its video, from its JPEG frame folder (dataset/image/<id>/), or auto: the video when there is one, else the frames.",
                                            valueName: "videos|images|auto"))
    var framesFrom: MediaSource = .auto

    @Option(name: .long, help: "Which split to decode: train, val or all.")
    var split: SplitOption = .all

    @Option(name: .long, help: ArgumentHelp("Output folder for the shards (created if missing).", valueName: "dir"))
    var out: String

    @Option(name: .long, help: ArgumentHelp("Frames to keep: all, fps:F, uniform:N (segment centres) or indices:a,b,c.",
                                            valueName: "selection"))
    var sampling: String = "all"

    @Option(name: .long, help: "Videos decoded in parallel (each with --threads codec threads).")
    var workers: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    @Option(name: .long, help: "Codec threads per video.")
    var threads: Int = 1

    @Option(name: .long, help: "Items per shard file; each shard is committed atomically when full.")
    var itemsPerShard: Int = 64

    @Option(name: .long, help: StorageProfile.help)
    var storage: StorageProfile = .default

    @Flag(name: .long, help: "Skip bad annotation rows (reported) instead of stopping at the first one.")
    var continueOnBadRows = false

    @OptionGroup var stage: StageOptions

    mutating func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard itemsPerShard >= 1 else { throw ValidationError("--items-per-shard must be at least 1") }
        do { _ = try FrameSelection(parsing: sampling) } catch { throw ValidationError("--sampling: \(error.localizedDescription)") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dataset, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--dataset \(dataset) is not a folder")
        }
        if let videos {
            guard FileManager.default.fileExists(atPath: videos, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--videos \(videos) is not a folder")
            }
        }
    }

    func run() throws {
        let settings = DecodeSettings(
            datasetRoot: URL(fileURLWithPath: dataset), videos: videos.map { URL(fileURLWithPath: $0) },
            media: framesFrom, split: split.selection, output: URL(fileURLWithPath: out),
            selection: try FrameSelection(parsing: sampling), shard: stage.selector,
            workers: workers, threads: threads, itemsPerShard: itemsPerShard,
            storage: storage, continueOnBadRows: continueOnBadRows,
            fingerprint: stage.fingerprint)
        let terminal = Terminal(program: "vimo-decode", quiet: stage.quiet)
        var result: StageSummary
        let run = DecodeRun(settings: settings, terminal: terminal)
        do {
            result = try run.run()
            result.stopped = run.outOfSpace?.localizedDescription
        } catch {
            if let code = OutOfSpace.code(of: error) {
                terminal.error(OutOfSpace(folder: settings.output, code: code, committed: 0, notAttempted: 0).localizedDescription)
                throw ExitCode(OutOfSpace.exitStatus)
            }
            terminal.error(error.localizedDescription)
            throw ExitCode(2)
        }
        try stage.finish(result, output: settings.output, terminal: terminal)
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

extension MediaSource: ExpressibleByArgument {}
