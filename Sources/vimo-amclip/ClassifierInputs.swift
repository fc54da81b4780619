import AMCLIP
import ArgumentParser
import Datasets
import Foundation
import Media
import Models
import Torch

/// The cache folders and labels `train` and `predict` read, as options.
struct CacheOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Folder of decode shards (vimo-decode --out).", valueName: "dir"))
    var frames: String

    @Option(name: .long, help: ArgumentHelp("Folder of flow shards computed from those frames (vimo-flow compute --out); needed for flow and rgb+flow.", valueName: "dir"))
    var flow: String?

    @Option(name: .long, help: ArgumentHelp("Dataset root for labels, class names and splits (default: labels stored in the decode shards, every video in train).", valueName: "root"))
    var annotations: String?

    @Option(name: .long, help: ArgumentHelp("Class list (classes.txt, or a CSV with a name column) when --annotations is not given; default: the 140 Animal Kingdom classes.", valueName: "file"))
    var classes: String?

    @Option(name: .long, help: "cpu, cuda or cuda:N.")
    var device: String = "cpu"

    @Option(name: .long, help: "Videos whose clips cannot be made (each is named) tolerated before the exit status is 1.")
    var maxFailures: Int = 100

    func validate() throws {
        guard Device(device) != nil else { throw ValidationError("--device must be cpu, cuda or cuda:N") }
        guard maxFailures >= 0 else { throw ValidationError("--max-failures must be at least 0") }
    }
}

/// Videos with their labels and the class names, from the dataset's annotations or from the decode shards.
struct LabelledVideos {
    var labels: [String: [UInt8]]
    var classes: [String]
    /// The videos of the requested split that the decode folder holds, sorted.
    var videos: [String]

    static func load(_ options: CacheOptions, source: ClipSource, split: SplitSelection) throws -> LabelledVideos {
        let cached = Set(source.videos)
        if let root = options.annotations {
            let dataset = try DatasetLoader.load(root: URL(fileURLWithPath: root), split: split, continueOnError: true, requireVideos: false)
            var labels: [String: [UInt8]] = [:]
            for item in dataset.items where cached.contains(item.id) { labels[item.id] = dataset.multiHot(item) }
            return LabelledVideos(labels: labels, classes: dataset.classes.names, videos: labels.keys.sorted())
        }
        var labels: [String: [UInt8]] = [:]
        for video in source.videos {
            guard let row = try source.labels(of: video) else {
                throw AMCLIPFailure("\(source.frames.directory.path) keeps no labels for \(video); give --annotations with the dataset root")
            }
            labels[video] = row
        }
        let count = labels.values.first?.count ?? 0
        let classList = try options.classes.map { try ClassList.read(classesTxt: URL(fileURLWithPath: $0)) } ?? ClassList.animalKingdomBuiltIn
        guard classList.count == count else {
            throw AMCLIPFailure("\(source.frames.directory.path) carries \(count) labels per video but the class list has \(classList.count) classes "
                                + "(\(options.classes ?? "the built-in Animal Kingdom list")); give --classes or --annotations with the dataset's list")
        }
        return LabelledVideos(labels: labels, classes: classList.names, videos: source.videos)
    }

    /// The labels of `videos` as a (B, K) float32 tensor.
    func tensor(_ videos: [String]) throws -> Tensor {
        let k = classes.count
        let values = videos.flatMap { video in (labels[video] ?? [UInt8](repeating: 0, count: k)).map(Float.init) }
        return try Tensor(values, shape: [videos.count, k])
    }
}

/// `prompts` as CLIP token ids (K, context) for the text tower, with the vocabulary `ZeroShot.tokenizer` finds from
/// `vocabulary` or beside `weights`.
func promptIDs(_ prompts: [String], context: Int, vocabulary: String?, weights: URL) throws -> Tensor {
    let ids = try ZeroShot.tokenizer(vocabulary: vocabulary, weights: weights).tokenize(prompts, contextLength: context)
    return try Tensor(ids.flatMap { $0.map(Int64.init) }, shape: [ids.count, context])
}

/// The videos of `candidates` that can give the pipeline's clips; the others, each with the reason, for the terminal.
func usableVideos(_ candidates: [String], pipeline: ClipPipeline) -> (usable: [String], problems: [(String, String)]) {
    var usable: [String] = [], problems: [(String, String)] = []
    for video in candidates {
        do {
            _ = try pipeline.indices(video: video, classifier: 0, epoch: 0, training: false)
            usable.append(video)
        } catch {
            problems.append((video, error.localizedDescription))
        }
    }
    return (usable, problems)
}

/// The clips of `videos` for all M classifiers, (B, M, T, 3, R, R) on `device` (`ClipPipeline.clips(videos:…)`).
func clipBatch(_ pipeline: ClipPipeline, videos: [String], epoch: Int, training: Bool, flips: [Bool], device: Device) throws -> Tensor {
    try pipeline.clips(videos: videos, epoch: epoch, training: training, flips: flips).to(device)
}

/// How the classifier reads a video, everything a checkpoint must carry for prediction to see what training saw.
struct ClassifierSpec: Codable, Equatable {
    var model: MotionClassifier.Config
    var modality: Modality
    var scheme: TemporalScheme
    var classifiers: Int
    var seed: UInt64
    /// Pixels of motion that saturate the flow colours; nil: each field by its own largest motion.
    var flowScale: Double?
    var template: String
    var classNames: [String]

    var flowColoring: FlowColor.Normalization { flowScale.map { .fixed(Float($0)) } ?? .perFrameMaximum }

    /// The sampler, builder and source that give this spec's clips of `source`.
    func pipeline(source: ClipSource) throws -> ClipPipeline {
        try ClipPipeline(source: source, sampler: Sampler(scheme: scheme, classifiers: classifiers, seed: seed),
                         builder: ClipBuilder(modality: modality, normalization: model.normalization,
                                              resolution: model.xclip.vision.resolution, flowColoring: flowColoring))
    }

    /// The prompts, one per class.
    var prompts: [String] { classNames.map { template.replacingOccurrences(of: "{}", with: $0) } }

    /// The spec as the safetensors metadata keeps it (so the weights file alone rebuilds the model).
    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
