import AMCLIP
import ArgumentParser
import Core
import Datasets
import Foundation
import Models
import StageCLI
import Store
import Text
import Torch

/// `vimo-amclip zero-shot`: X-CLIP as the zero-shot video classifier it is.
struct ZeroShot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zero-shot",
        abstract: "Score every cached video against one prompt per class with X-CLIP; writes a scores shard (V, K) that vimo-eval reads.",
        discussion: """
        Each video gives --frames-per-video frames of its decode rows, evenly spaced (row ⌊(k + ½)·n/P⌋ for k < P; all \
        of them, in order, when the decode stage kept exactly P), resized to the model's resolution when they differ \
        (bilinear) and normalised with the checkpoint's mean/std (preprocessor_config.json; ImageNet's for published \
        X-CLIP models, CLIP's for one built from a CLIP checkpoint). The text tower runs once for the K prompts \
        (--template with {} replaced by each class name); the video-conditioned prompt generator runs per video. \
        Scores are logits_per_video (exp(logit_scale)·cosine), one row per video, with the video's labels from the \
        decode shards. Items already committed in --out for the same decode item are skipped.

        Weights: a transformers X-CLIP folder (config.json + model.safetensors or pytorch_model.bin), a single \
        weights file of one of the published configurations (--config names it when its shapes do not), or an \
        original VideoX .pth ({"model": …}). The tokenizer's vocabulary: --vocabulary, else the weights folder's \
        vocab.json + merges.txt, else OpenAI's bpe_simple_vocab_16e6.txt.gz beside the weights or in data/samples/.

        Exit status: 0 all items scored or cached; 1 more failures than --max-failures; 2 unusable inputs (weights, \
        vocabulary, class list, decode shards, a class count that differs from the shards' labels); 64 invalid options.
        """)

    @Option(name: .long, help: ArgumentHelp("Folder of decode shards (vimo-decode --out).", valueName: "dir"))
    var frames: String

    @Option(name: .long, help: ArgumentHelp("X-CLIP weights: a transformers folder, a weights file or a VideoX .pth.", valueName: "path"))
    var weights: String

    @Option(name: .long, help: ArgumentHelp("Configuration of a bare weights file: base-patch32, base-patch16, large-patch14, large-patch14-336, with -16-frames / -32-frames.", valueName: "name"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Class list (classes.txt, or a CSV with a name column); default: the 140 Animal Kingdom classes.", valueName: "file"))
    var classes: String?

    @Option(name: .long, help: "Prompt template; {} is replaced by the class name.")
    var template: String = "{}"

    @Option(name: .long, help: "Frames per video (default: the model's number of frames, which it must equal).")
    var framesPerVideo: Int?

    @Option(name: .long, help: ArgumentHelp("CLIP BPE vocabulary: bpe_simple_vocab_16e6.txt.gz or a folder with vocab.json + merges.txt.", valueName: "path"))
    var vocabulary: String?

    @Option(name: .long, help: ArgumentHelp("Output folder for the scores shards.", valueName: "dir"))
    var out: String

    @Option(name: .long, help: "cpu, cuda or cuda:N.")
    var device: String = "cpu"

    @Option(name: .long, help: "Items per shard file.")
    var itemsPerShard: Int = 256

    @OptionGroup var stage: StageOptions

    mutating func validate() throws {
        guard Device(device) != nil else { throw ValidationError("--device must be cpu, cuda or cuda:N") }
        guard template.contains("{}") else { throw ValidationError("--template must contain {} where the class name goes") }
        guard (framesPerVideo ?? 1) >= 1, itemsPerShard >= 1 else {
            throw ValidationError("--frames-per-video and --items-per-shard must be positive")
        }
    }

    func run() throws {
        let terminal = Terminal(program: "vimo-amclip", quiet: stage.quiet)
        let output = URL(fileURLWithPath: out)
        let result: StageSummary
        do {
            try OutputFolder.create(output)
            let device = Device(device)!
            let weightsURL = URL(fileURLWithPath: weights)
            let named = try config.map { name -> XCLIP.Config in
                guard let known = XCLIP.Config.named(name) else { throw AMCLIPFailure("--config \(name): not a known X-CLIP configuration") }
                return known
            }
            let loaded = try XCLIPWeights.load(weightsURL, config: named)
            let model = loaded.model
            try model.to(device: device)
            model.eval()
            let count = framesPerVideo ?? model.config.frames
            guard count == model.config.frames else {
                throw AMCLIPFailure("--frames-per-video \(count): X-CLIP \(model.config.name) (\(weights)) takes exactly \(model.config.frames) frames per video "
                                    + "(its MIT has \(model.config.frames) positions)")
            }
            let classList = try classes.map { try ClassList.read(classesTxt: URL(fileURLWithPath: $0)) } ?? ClassList.animalKingdomBuiltIn
            let prompts = classList.names.map { template.replacingOccurrences(of: "{}", with: $0) }
            let ids = try promptIDs(prompts, context: model.config.text.context, vocabulary: vocabulary, weights: weightsURL)
            let textEmbeddings = try Torch.withoutGrad { try model.encodeText(ids.to(device)) }
            let items = ItemStage(stage: "amclip-zero-shot", upstream: URL(fileURLWithPath: frames), output: output,
                                  shard: stage.selector, itemsPerShard: itemsPerShard, storage: .raw, rowUnit: "videos",
                                  inputs: ["frames": frames, "weights": weights])
            let (upstream, first) = try items.openUpstream()
            guard case .frames(let h, let w, 3) = first.payload else {
                throw AMCLIPFailure("\(first.url.path) does not hold RGB frames (a vimo-decode folder is expected)")
            }
            if let labels = first.labelCount, labels != classList.count {
                throw AMCLIPFailure("\(first.url.path) carries \(labels) labels per video but the class list has \(classList.count) classes "
                                    + "(\(classes ?? "the built-in Animal Kingdom list")); give --classes with the dataset's list")
            }
            let params = try Self.params(weights: Self.identity(of: weightsURL), prompts: prompts, frames: count)
            let fingerprint = stage.fingerprint
                ?? FileDigest.sha256(of: Data("amclip-zero-shot\namclip-1\n\(params)\n\(first.metadata.fingerprint)".utf8))
            let resolution = model.config.vision.resolution
            result = try items.run(upstream: upstream, upstreamFingerprint: first.metadata.fingerprint, params: params,
                                   fingerprint: fingerprint, payload: .scores(classes: classList.count),
                                   labelCount: first.labelCount, terminal: terminal) { reader, entry in
                let rows = FrameSampling.even(0, entry.rows.count, count: count)
                let all = try reader.readFrames(rows: entry.rows)
                let size = h * w * 3
                var chosen: [UInt8] = []
                chosen.reserveCapacity(count * size)
                for r in rows { chosen += all[(r * size)..<((r + 1) * size)] }
                let logits = try Torch.withoutGrad { () -> Tensor in
                    // Bilinear weights sum to one, so resizing after the per-channel normalisation is the same as before it.
                    var pixels = try loaded.normalization.apply(Tensor(chosen, shape: [count, h, w, 3]).to(device))
                    if h != resolution || w != resolution { pixels = try F.interpolate(pixels, size: (resolution, resolution)) }
                    return try model.logits(video: pixels.reshaped([1, count, 3, resolution, resolution]), textEmbeddings: textEmbeddings)
                }
                let frameIndex = try reader.frameIndex(rows: entry.rows)
                return ItemStage.Output(rows: try logits.to(.cpu, dtype: .float32).bytes(), frameIndex: [frameIndex[rows[0]]])
            }
            try AtomicFile.write(try JSONEncoder().encode(classList.names), to: output.appendingPathComponent("classes.json"))
        } catch {
            terminal.error(error.localizedDescription)
            throw ExitCode(2)
        }
        try stage.finish(result, output: output, terminal: terminal)
    }

    /// The run's parameters as the fingerprint sees them: the weights' identity, the prompts' digest, the frame count.
    static func params(weights: String, prompts: [String], frames: Int) throws -> String {
        let digest = FileDigest.sha256(of: try JSONEncoder().encode(prompts))
        return "{\"frames\":\(frames),\"prompts\":\"\(digest)\",\"weights\":\"\(weights)\"}"
    }

    /// What the weights are, for the fingerprint: a file's SHA-256, or a folder's over its files' (name and content).
    static func identity(of url: URL) throws -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue else {
            return try FileDigest.sha256(of: url)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }.sorted()
        let listing = try names.map { "\($0) \(try FileDigest.sha256(of: url.appendingPathComponent($0)))" }.joined(separator: "\n")
        return FileDigest.sha256(of: Data(listing.utf8))
    }

    /// The tokenizer: --vocabulary, else the weights folder's own files, else OpenAI's file beside the weights or in data/samples/.
    static func tokenizer(vocabulary: String?, weights: URL) throws -> CLIPTokenizer {
        if let vocabulary { return try CLIPVocabularyLoader.load(contentsOf: URL(fileURLWithPath: vocabulary)) }
        var isFolder: ObjCBool = false
        let folder = FileManager.default.fileExists(atPath: weights.path, isDirectory: &isFolder) && isFolder.boolValue
            ? weights : weights.deletingLastPathComponent()
        let candidates = [folder.appendingPathComponent("vocab.json"), folder.appendingPathComponent(CLIPVocabularyLoader.openAIFileName),
                          URL(fileURLWithPath: "data/samples").appendingPathComponent(CLIPVocabularyLoader.openAIFileName)]
        if FileManager.default.fileExists(atPath: candidates[0].path) { return try CLIPVocabularyLoader.load(contentsOf: folder) }
        for file in candidates.dropFirst() where FileManager.default.fileExists(atPath: file.path) {
            return try CLIPVocabularyLoader.load(contentsOf: file)
        }
        throw AMCLIPFailure("no CLIP vocabulary: looked for \(candidates.map(\.path).joined(separator: ", ")); "
                            + "give --vocabulary (bpe_simple_vocab_16e6.txt.gz, in the clip or open_clip wheels, or a folder with vocab.json + merges.txt)")
    }
}
