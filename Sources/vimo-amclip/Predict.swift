import AMCLIP
import ArgumentParser
import Core
import Datasets
import Foundation
import Models
import StageCLI
import Store
import Torch

/// `vimo-amclip predict`: a trained AnimalMotionCLIP scores cached videos.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score videos with a trained AnimalMotionCLIP; writes a scores shard (V, K) float32 with items and labels that vimo-eval reads, classes.json and predictions.csv.",
        discussion: """
        Each video's M clips use the test-time sampling of the checkpoint's scheme (see vimo-amclip train --help); a \
        class's score is the mean over the M classifiers of its probability. predictions.csv lists, per video, the \
        classes whose score reaches --threshold (default: the threshold chosen on validation, kept in best.json). The \
        modality, scheme, classifiers, flow colour coding, prompts and normalisation come from the checkpoint (its \
        .json, or the safetensors metadata when the .json is missing). The text tower runs once for the K prompts.

        Exit status: 0 done; 1 more videos than --max-failures could not give a clip (the rest were scored); 2 unusable \
        inputs (a checkpoint missing or damaged, folders, an --out that cannot be created); 64 invalid options.
        """)

    @OptionGroup var cache: CacheOptions

    @Option(name: .long, help: ArgumentHelp("Weights (best.safetensors of vimo-amclip train).", valueName: "file"))
    var weights: String

    @Option(name: .long, help: "Split to score: train, val or all (needs --annotations; without it every video is scored).")
    var split: String = "val"

    @Option(name: .long, help: "Probability at which a class is predicted (default: the checkpoint's, chosen on validation).")
    var threshold: Double?

    @Option(name: .long, help: ArgumentHelp("CLIP BPE vocabulary (default: data/samples/bpe_simple_vocab_16e6.txt.gz).", valueName: "path"))
    var vocabulary: String?

    @Option(name: .long, help: "Videos per forward pass.") var batch: Int = 8
    @Option(name: .long, help: "Computation dtype: f32 or bf16 (autocast).") var dtype: String = "f32"

    @Option(name: .long, help: ArgumentHelp("Output folder for the scores shard.", valueName: "dir"))
    var out: String

    mutating func validate() throws {
        guard ["train", "val", "all"].contains(split) else { throw ValidationError("--split must be train, val or all") }
        guard batch >= 1 else { throw ValidationError("--batch must be positive") }
        if let threshold, !(0...1).contains(threshold) { throw ValidationError("--threshold must lie in [0, 1]") }
        guard ["f32", "bf16"].contains(dtype) else { throw ValidationError("--dtype must be f32 or bf16") }
    }

    func run() throws {
        let terminal = Terminal(program: "vimo-amclip", quiet: false)
        var problems = 0
        do {
            let output = URL(fileURLWithPath: out)
            try OutputFolder.create(output)
            let weightsURL = URL(fileURLWithPath: weights)
            let (spec, recorded) = try Self.spec(of: weightsURL)
            let device = Device(cache.device)!
            let model = try MotionClassifier(spec.model)
            try model.load(contentsOf: weightsURL)
            try model.to(device: device)
            model.eval()
            guard !spec.modality.needsFlow || cache.flow != nil else {
                throw AMCLIPFailure("\(weights) classifies \(spec.modality) clips: give --flow with the flow folder")
            }
            let source = try ClipSource(frames: URL(fileURLWithPath: cache.frames),
                                        flow: spec.modality.needsFlow ? cache.flow.map { URL(fileURLWithPath: $0) } : nil)
            let selection: SplitSelection = split == "train" ? .train : split == "val" ? .val : .all
            let data = try LabelledVideos.load(cache, source: source, split: cache.annotations == nil ? .all : selection)
            guard data.classes == spec.classNames else {
                throw AMCLIPFailure("\(weights) was trained on \(spec.classNames.count) classes (\(spec.classNames.prefix(3).joined(separator: ", ")), …), "
                                    + "the labels here have \(data.classes.count) (\(data.classes.prefix(3).joined(separator: ", ")), …)")
            }
            let pipeline = try spec.pipeline(source: source)
            let (videos, failed) = usableVideos(data.videos, pipeline: pipeline)
            for (video, reason) in failed { terminal.failed(video, reason + "; not scored") }
            problems = failed.count
            guard !videos.isEmpty else { throw AMCLIPFailure("no video of \(cache.frames) (split \(split)) can be scored") }

            let ids = try promptIDs(spec.prompts, context: spec.model.xclip.text.context, vocabulary: vocabulary,
                                    weights: URL(fileURLWithPath: "data/samples/none"))
            let text = try model.textEmbeddings(ids: ids.to(device))
            let (probabilities, _) = try scores(model, pipeline: pipeline, videos: videos, text: text, labels: nil,
                                                compute: dtype == "bf16" ? .bfloat16 : nil, device: device, batch: batch)

            let params = "{\"split\":\"\(split)\",\"weights\":\"\(try FileDigest.sha256(of: weightsURL))\"}"
            let writer = try ShardWriter(directory: output, worker: "scores",
                                         metadata: ShardMetadata(stage: "amclip-predict", fingerprint: StageEnvironment.fingerprint ?? FileDigest.sha256(of: Data(params.utf8)),
                                                                 params: params),
                                         payload: .scores(classes: spec.classNames.count), labelCount: spec.classNames.count)
            for (video, row) in zip(videos, probabilities) {
                try writer.append(item: video, source: "", frameIndex: [0], scores: row, labels: data.labels[video]!)
            }
            let url = try writer.commit()
            // Scores are recomputed whole: earlier score shards in the folder are superseded.
            for old in try ShardDirectory.committedShards(in: output) where old != url { try? FileManager.default.removeItem(at: old) }
            try AtomicFile.write(try JSONEncoder().encode(spec.classNames), to: output.appendingPathComponent("classes.json"))
            let cut = threshold ?? recorded ?? 0.5
            var csv = "video,labels\n"
            for (video, row) in zip(videos, probabilities) {
                let names = zip(spec.classNames, row).filter { Double($0.1) >= cut }.map(\.0)
                csv += Self.field(video) + "," + Self.field(names.joined(separator: ";")) + "\n"
            }
            try AtomicFile.write(Data(csv.utf8), to: output.appendingPathComponent("predictions.csv"))
            terminal.line("text tower: \(model.xclip.textPasses) pass for \(spec.prompts.count) prompts")
            terminal.line("scored \(videos.count) videos: \(url.path); predicted labels at threshold "
                          + String(format: "%.2f", cut) + " (\(threshold != nil ? "--threshold" : recorded != nil ? "chosen on validation" : "default")): "
                          + output.appendingPathComponent("predictions.csv").path)
        } catch {
            terminal.error(error.localizedDescription)
            throw ExitCode(2)
        }
        if problems > cache.maxFailures { throw ExitCode(1) }
    }

    /// The checkpoint's spec and validation threshold: from its .json, else from the safetensors metadata (no threshold).
    static func spec(of weights: URL) throws -> (ClassifierSpec, Double?) {
        let pair = CheckpointPair(weights: weights)
        if FileManager.default.fileExists(atPath: pair.sidecarURL.path) {
            let record = try pair.read(ClassifierRecord.self)
            return (record.spec, record.validationThreshold)
        }
        let metadata = try CheckpointReader.readSafetensors(weights).metadata
        guard let json = metadata["vimo-amclip"] else {
            throw AMCLIPFailure("\(weights.path) has neither a .json beside it nor vimo-amclip metadata: not a vimo-amclip checkpoint")
        }
        return (try JSONDecoder().decode(ClassifierSpec.self, from: Data(json.utf8)), nil)
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
