import ArgumentParser
import Core
import Datasets
import Foundation
import Models
import StageCLI
import Store
import Torch
import Training

/// `vimo-tfam`: train and apply the appearance–motion fusion transformer.
@main
struct TFAMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vimo-tfam",
        abstract: "Train TFAM (CLIP × motion cross-attention fusion + multi-label head) on cached embeddings, and predict.",
        version: "tfam-3",  // 2: checkpoint pairs carry a file record (older pairs are not read); 3: scores in a `scores` dataset, configuration in the weights
        subcommands: [Train.self, Predict.self])
}

/// Options shared by train and predict.
struct EmbeddingOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Folder of CLIP embedding shards.", valueName: "dir"))
    var clip: String

    @Option(name: .long, help: ArgumentHelp("Folder of motion embedding shards.", valueName: "dir"))
    var motion: String

    @Option(name: .long, help: ArgumentHelp("Dataset root for labels and splits (default: labels stored in the shards, every item in train).", valueName: "root"))
    var annotations: String?

    @Option(name: .long, help: "Use at most this many frames per video (uniformly chosen).")
    var maxFrames: Int?

    @Flag(name: .long, help: "Hold embeddings as float16 in memory (half the memory; computation stays float32).")
    var half = false

    @Option(name: .long, help: "cpu, cuda or cuda:N.")
    var device: String = "cpu"

    func validate() throws {
        guard Device(device) != nil else { throw ValidationError("--device must be cpu, cuda or cuda:N") }
        if let maxFrames, maxFrames < 1 { throw ValidationError("--max-frames must be at least 1") }
    }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train TFAM; writes best.safetensors/best.json (chosen on validation only) and last.* (resumable).",
        discussion: """
        Running again with the same options resumes. Each checkpoint is replaced as a unit: its .json names the files \
        written with it, so an interrupted write leaves the previous checkpoint or the new one.

        Exit status: 0 trained; 2 unusable inputs (embeddings holding NaN/Inf, missing files, an --out that cannot be \
        created); 4 the loss became NaN or infinite (the message names the epoch and step; nothing of that epoch is \
        saved, the earlier checkpoints stay); 64 invalid options.
        """)

    @OptionGroup var embeddings: EmbeddingOptions

    @Option(name: .long, help: ArgumentHelp("Output folder.", valueName: "dir"))
    var out: String

    @Option(name: .long, help: "Fusion: rgb, motion, concat-embedding, concat-temporal or cross.")
    var fusion: String = "cross"

    @Option(name: .long, help: "Epochs.") var epochs: Int = 30
    @Option(name: .long, help: "Videos per batch.") var batch: Int = 8
    @Option(name: .long, help: "AdamW learning rate (cosine schedule down to 1e-6).") var lr: Double = 1e-4
    @Option(name: .long, help: "AdamW weight decay.") var weightDecay: Double = 0.1
    @OptionGroup var training: TrainingOptions
    @Option(name: .long, help: "Transformer layers.") var layers: Int = 4
    @Option(name: .long, help: "Attention heads.") var heads: Int = 8
    @Option(name: .long, help: "Feed-forward width.") var feedForward: Int = 2048
    @Option(name: .long, help: "Dropout.") var dropout: Double = 0.1
    @Option(name: .long, help: "Positional encoding: none, sinusoidal or learned.") var positional: String = "none"
    @Flag(name: .long, help: "Average padding positions too (ViMoCLIP's exact pooling).") var poolPadding = false
    @Option(name: .long, help: "Checkpoint kept as best.*: the epoch of lowest validation loss, or of highest validation mAP (ties: lower loss).")
    var select: String = Selection.loss.rawValue
    @Flag(name: .long, help: "Standardise every dimension of the motion embeddings with the training videos' mean and deviation (kept with the weights) before fusion; CLIP's embeddings enter as they are.")
    var standardizeMotion = false

    mutating func validate() throws {
        guard Fusion(rawValue: fusion) != nil else {
            throw ValidationError("--fusion must be one of \(Fusion.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard epochs >= 1, batch >= 1, layers >= 1, heads >= 1, feedForward >= 1 else {
            throw ValidationError("--epochs, --batch, --layers, --heads and --feed-forward must be positive")
        }
        guard ["none", "sinusoidal", "learned"].contains(positional) else {
            throw ValidationError("--positional must be none, sinusoidal or learned")
        }
        guard Selection(rawValue: select) != nil else { throw ValidationError("--select must be loss or map") }
    }

    func run() throws {
        let terminal = Terminal(program: "vimo-tfam", quiet: false)
        let config = TFAMConfig(layers: layers, heads: heads, feedForward: feedForward, dropout: dropout,
                                fusion: Fusion(rawValue: fusion)!, positional: positional, poolPadding: poolPadding,
                                standardizeMotion: standardizeMotion)
        var settings = TrainSettings(
            clip: URL(fileURLWithPath: embeddings.clip), motion: URL(fileURLWithPath: embeddings.motion),
            annotations: embeddings.annotations.map { URL(fileURLWithPath: $0) }, out: URL(fileURLWithPath: out),
            config: config, epochs: epochs, batch: batch, lr: lr, weightDecay: weightDecay,
            maxFrames: embeddings.maxFrames, half: embeddings.half, device: Device(embeddings.device)!, training: training)
        settings.selection = Selection(rawValue: select)!
        do {
            let info = try Trainer(settings: settings, terminal: terminal).run()
            terminal.line("best epoch \(info.bestEpoch.map(String.init) ?? "-") (validation mAP "
                          + (info.bestValidationMAP.map { String(format: "%.4f", $0) } ?? "n/a")
                          + "): \(settings.out.appendingPathComponent("best.safetensors").path)")
        } catch {
            terminal.error(error.localizedDescription)
            throw ExitCode(TrainingFailure.exitStatus(for: error))
        }
    }
}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score videos with a trained TFAM; writes a shard of scores (V, K) float32 with items and labels.",
        discussion: "Exit status: 0 done; 2 unusable inputs (a checkpoint missing or damaged, or without its .json and written before the configuration was embedded in it, an --out that cannot be created); 64 invalid options.")

    @OptionGroup var embeddings: EmbeddingOptions

    @Option(name: .long, help: ArgumentHelp("Weights (best.safetensors); the configuration is in its .json sidecar and in its own metadata, so it also loads alone.", valueName: "file"))
    var weights: String

    @Option(name: .long, help: "Split to score: train, val or all (needs --annotations; without it every item is scored).")
    var split: String = "val"

    @Option(name: .long, help: ArgumentHelp("Output folder for the scores shard.", valueName: "dir"))
    var out: String

    mutating func validate() throws {
        guard ["train", "val", "all"].contains(split) else { throw ValidationError("--split must be train, val or all") }
    }

    func run() throws {
        let terminal = Terminal(program: "vimo-tfam", quiet: false)
        do {
            let output = URL(fileURLWithPath: out)
            try OutputFolder.create(output)
            let weightsURL = URL(fileURLWithPath: weights)
            let info = try CheckpointPair(weights: weightsURL).loadInfo(CheckpointInfo.self)
            let device = Device(embeddings.device)!
            let model = try TFAM(info.config)
            try model.load(contentsOf: weightsURL)
            try model.to(device: device)
            let clip = try SequenceSet.load(URL(fileURLWithPath: embeddings.clip), half: embeddings.half)
            let motion = try SequenceSet.load(URL(fileURLWithPath: embeddings.motion), half: embeddings.half)
            let selection: SplitSelection = split == "train" ? .train : split == "val" ? .val : .all
            let (labels, _, candidates) = try loadLabels(clip: clip, annotations: embeddings.annotations.map { URL(fileURLWithPath: $0) },
                                                         split: selection)
            let items = candidates.filter { clip.sequences[$0] != nil && motion.sequences[$0] != nil && labels[$0] != nil }
            guard !items.isEmpty else { throw TFAMError.noItems("score") }
            let batcher = Batcher(clip: clip, motion: motion, labels: labels, maxFrames: embeddings.maxFrames,
                                  aligned: info.config.fusion == Fusion.concatEmbedding.rawValue, device: device)
            let scores = try predict(model, batcher, items)
            let params = "{\"split\":\"\(split)\",\"weights\":\"\(try FileDigest.sha256(of: weightsURL))\"}"
            let writer = try ShardWriter(directory: URL(fileURLWithPath: out), worker: "scores",
                                         metadata: ShardMetadata(stage: "tfam-predict", fingerprint: StageEnvironment.fingerprint ?? FileDigest.sha256(of: Data(params.utf8)),
                                                                 params: params),
                                         payload: .scores(classes: info.config.classes), labelCount: info.config.classes)
            for (id, row) in zip(items, scores) {
                try writer.append(item: id, source: "", frameIndex: [0], scores: row, labels: labels[id]!)
            }
            let url = try writer.commit()
            // Scores are recomputed whole: earlier score shards in the folder are superseded.
            for old in try ShardDirectory.committedShards(in: URL(fileURLWithPath: out)) where old != url {
                try? FileManager.default.removeItem(at: old)
            }
            try AtomicFile.write(try JSONEncoder().encode(info.classes), to: URL(fileURLWithPath: out).appendingPathComponent("classes.json"))
            terminal.line("scored \(items.count) videos: \(url.path)")
        } catch {
            terminal.error(error.localizedDescription)
            throw ExitCode(2)
        }
    }
}
