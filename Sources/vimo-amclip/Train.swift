import AMCLIP
import ArgumentParser
import Core
import Datasets
import Foundation
import Metrics
import Models
import StageCLI
import Torch
import Training

/// `vimo-amclip train`: AnimalMotionCLIP's classifiers trained on cached frames and flow.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train AnimalMotionCLIP (X-CLIP over interleaved frames and colour-coded flow, M temporal classifiers sharing weights) on the cache; writes best.safetensors/best.json (chosen on validation only) and last.* (resumable).",
        discussion: """
        Initialisation (--init): an X-CLIP checkpoint (a transformers folder, a weights file, a VideoX .pth; its MIT \
        positions are resampled to the clip length when they differ), a vimo-amclip checkpoint (its X-CLIP, with its \
        normalisation; a new head), a plain CLIP checkpoint with --from-clip (the \
        towers from CLIP, the X-CLIP modules fresh), or random:SEED (--config names the shape; default tiny). The model takes \
        P images per clip, 2P for rgb+flow. The text tower and logit_scale stay frozen: the K prompts (--template, {} \
        replaced by each class name) are encoded once per run, and the prompt generator conditions them per video. \
        Scores: --head affine (default) learns a scale and bias per class on the cosine, z = s·cos + b, started at s = 10 \
        and b = the logit of the class's training frequency; --head logits keeps X-CLIP's exp(logit_scale)·cos, which a \
        pretrained scale near 100 saturates under a sigmoid. Loss: BCE of every classifier's logits; probabilities: the \
        mean over the M classifiers of σ(z). Optimiser: AdamW (0.9, 0.98), eps 1e-8, --weight-decay on matrices only; \
        the vision tower at --lr, the modules X-CLIP adds (message, MIT, prompts) and the head at --new-lr-scale × --lr; \
        linear warm-up over --warmup-epochs, cosine to --lr/100. Default --lr: X-CLIP's 8e-6 at a total batch of 256, \
        scaled linearly to --batch × --accumulate. Each epoch validates on videos held out of the training split \
        (test-time sampling), keeps the best by --select, and records the threshold that maximises the validation micro \
        F1 (0.05 … 0.95) for predicted labels. Running again with the same options resumes from last.*; --stop-after \
        ends a time-limited job after an epoch. Each epoch line says how the time went: reading and building clips \
        (data) vs the model.

        \(TemporalScheme.help)

        Exit status: 0 trained; 1 more videos than --max-failures could not give a clip (training used the rest); 2 \
        unusable inputs (folders, weights, vocabulary, labels); 4 the loss became NaN or infinite (nothing of that \
        epoch is saved); 64 invalid options.
        """)

    @OptionGroup var cache: CacheOptions

    @Option(name: .long, help: ArgumentHelp("Output folder for the checkpoints.", valueName: "dir"))
    var out: String

    @Option(name: .long, help: ArgumentHelp("Starting weights: an X-CLIP checkpoint (with --from-clip: a plain CLIP one), or random:SEED.", valueName: "path"))
    var `init`: String = "random:1"

    @Flag(name: .long, help: "--init is a plain CLIP checkpoint (OpenAI's .pt or a transformers CLIPModel): the towers come from it, the X-CLIP modules start fresh.")
    var fromClip = false

    @Option(name: .long, help: ArgumentHelp("X-CLIP configuration for random:SEED or a bare weights file (tiny, base-patch32, base-patch16, large-patch14, …).", valueName: "name"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("CLIP BPE vocabulary (bpe_simple_vocab_16e6.txt.gz or a folder with vocab.json + merges.txt).", valueName: "path"))
    var vocabulary: String?

    @Option(name: .long, help: "rgb, flow or rgb+flow (interleaved [I1, F1, I2, F2, …]).")
    var modality: String = Modality.rgbFlow.rawValue

    @Option(name: .long, help: "Temporal scheme: dense:P, semi-dense:P1+P2 or sparse:P (see below).")
    var scheme: String = "sparse:8"

    @Option(name: .long, help: "M: temporal classifiers sharing the model's weights.")
    var classifiers: Int = 3

    @Option(name: .long, help: "Prompt template; {} is replaced by the class name.")
    var template: String = "{}"

    @Option(name: .long, help: "affine (a learned scale and bias per class on the cosine) or logits (X-CLIP's own).")
    var head: String = MotionClassifier.Head.affine.rawValue

    @Option(name: .long, help: "Start the prompt generator's output scale (alpha) at this value (default: the checkpoint's, or 0.1 for random and clip starts); a small one suits training from scratch.")
    var promptAlpha: Double?

    @Option(name: .long, help: "Flow colour coding: max (each field by its own largest motion, ViMoCLIP's) or the pixels of motion that saturate the colours.")
    var flowScale: String = "max"

    @Option(name: .long, help: "rgb+flow only: in training, the probability that a video's clips lose one modality for the step (RGB or flow, equally likely, replaced by the mean image), so that each route learns to classify alone (ModDrop).")
    var modalityDropout: Double = 0

    @Flag(name: .long, help: "Keep the vision tower's CLIP weights fixed: only the modules X-CLIP adds (message, MIT, prompts) and the head train.")
    var freezeVision = false

    @Flag(name: .long, help: "Mirror half the training videos (keyed by seed, video and epoch); flow is mirrored with u negated.")
    var flip = false

    @Option(name: .long, help: "Colour jitter of the RGB frames in training: none, or xclip (X-CLIP's recipe: with p 0.8 brightness and contrast ×[0.6, 1.4], saturation ×[0.8, 1.2], hue ±0.1 turn, then grey with p 0.2; one draw per video and epoch, never on flow images).")
    var colorJitter: String = "none"

    @Option(name: .long, help: "Epochs.") var epochs: Int = 30
    @Option(name: .long, help: "Videos per forward pass.") var batch: Int = 8
    @Option(name: .long, help: "Forward passes whose gradients add up before each optimiser step.") var accumulate: Int = 1
    @Option(name: .long, help: "Learning rate of the vision tower (default: 8e-6 × batch × accumulate / 256).") var lr: Double?
    @Option(name: .long, help: "Learning rate of the new modules and the head, as a multiple of --lr.") var newLrScale: Double = 10
    @Option(name: .long, help: "AdamW weight decay (matrices only).") var weightDecay: Double = 0.001
    @Option(name: .long, help: "Linear warm-up epochs (default: a sixth of --epochs, X-CLIP's 5 of 30).") var warmupEpochs: Int?
    @Option(name: .long, help: "Checkpoint kept as best.*: map (highest validation mAP, ties: lower loss) or loss.") var select: String = "map"
    @Option(name: .long, help: "Computation dtype: f32 or bf16 (autocast: matrix products in bf16, weights and loss float32).") var dtype: String = "f32"
    @OptionGroup var training: TrainingOptions

    mutating func validate() throws {
        guard Modality(rawValue: modality) != nil else { throw ValidationError("--modality must be rgb, flow or rgb+flow") }
        guard let parsed = TemporalScheme(parsing: scheme) else {
            throw ValidationError("--scheme must be dense:P, semi-dense:P1+P2 or sparse:P with counts of at least 1")
        }
        do { _ = try Sampler(scheme: parsed, classifiers: classifiers, seed: 0) } catch { throw ValidationError("--scheme / --classifiers: \(error.localizedDescription)") }
        guard MotionClassifier.Head(rawValue: head) != nil else { throw ValidationError("--head must be affine or logits") }
        guard flowScale == "max" || (Double(flowScale).map { $0 > 0 && $0.isFinite } ?? false) else {
            throw ValidationError("--flow-scale must be max or a positive number of pixels")
        }
        guard template.contains("{}") else { throw ValidationError("--template must contain {} where the class name goes") }
        guard epochs >= 1, batch >= 1, accumulate >= 1, newLrScale > 0, weightDecay >= 0 else {
            throw ValidationError("--epochs, --batch, --accumulate and --new-lr-scale must be positive, --weight-decay not negative")
        }
        if let lr, !(lr > 0) { throw ValidationError("--lr must be positive") }
        if let warmupEpochs, warmupEpochs < 0 || warmupEpochs >= epochs { throw ValidationError("--warmup-epochs must lie in [0, --epochs)") }
        if fromClip, `init`.hasPrefix("random:") { throw ValidationError("--from-clip needs --init to name a CLIP checkpoint") }
        guard (0...1).contains(modalityDropout) else { throw ValidationError("--modality-dropout must lie in [0, 1]") }
        guard ["none", "xclip"].contains(colorJitter) else { throw ValidationError("--color-jitter must be none or xclip") }
        guard ["map", "loss"].contains(select) else { throw ValidationError("--select must be map or loss") }
        guard ["f32", "bf16"].contains(dtype) else { throw ValidationError("--dtype must be f32 or bf16") }
        if Modality(rawValue: modality)!.needsFlow, cache.flow == nil { throw ValidationError("--modality \(modality) needs --flow") }
    }

    func run() throws {
        let terminal = Terminal(program: "vimo-amclip", quiet: false)
        let outcome: (record: ClassifierRecord, problems: Int)
        do {
            outcome = try ClassifierTrainer(options: self, terminal: terminal).run()
        } catch {
            terminal.error(error.localizedDescription)
            throw ExitCode(TrainingFailure.exitStatus(for: error))
        }
        let record = outcome.record
        let best = CheckpointPair(folder: URL(fileURLWithPath: out), name: "best")
        let threshold = (try? best.read(ClassifierRecord.self))?.validationThreshold
        terminal.line("best epoch \(record.bestEpoch.map(String.init) ?? "-") (validation mAP "
                      + (record.bestValidationMAP.map { String(format: "%.4f", $0) } ?? "n/a") + ", threshold "
                      + (threshold.map { String(format: "%.2f", $0) } ?? "n/a")
                      + "): \(URL(fileURLWithPath: out).appendingPathComponent("best.safetensors").path)")
        if outcome.problems > cache.maxFailures { throw ExitCode(1) }
    }

    /// The base learning rate: --lr, or X-CLIP's 8e-6 at a total batch of 256 scaled linearly.
    var baseRate: Double { lr ?? 8e-6 * Double(batch * accumulate) / 256 }
}

/// A trained classifier's checkpoint description (the JSON beside its weights).
struct ClassifierRecord: Codable {
    var spec: ClassifierSpec
    var epoch: Int
    var validationMAP: Double?
    var validationLoss: Double?
    /// The probability above which a class is predicted, chosen on this epoch's validation (micro F1).
    var validationThreshold: Double?
    var bestEpoch: Int?
    var bestValidationMAP: Double?
    var bestValidationLoss: Double?
    var trainItems: Int
    var validationItems: Int
    var settings: [String: String]
}

/// One validation pass: mAP of the averaged probabilities, the per-classifier BCE, the best threshold.
struct ClassifierValidation: ValidationOutcome {
    var map: Double?
    var loss: Double
    var threshold: Double?
    var score: Double? { map }
}

extension ClassifierRecord: TrainingRecord {
    var bestValidationScore: Double? {
        get { bestValidationMAP }
        set { bestValidationMAP = newValue }
    }

    mutating func record(_ validation: ClassifierValidation) {
        validationMAP = validation.map
        validationLoss = validation.loss
        validationThreshold = validation.threshold
    }
}

/// Seconds spent building clips and in the model during an epoch (for the epoch line).
final class EpochClock {
    var data = 0.0, model = 0.0
    func time<T>(_ into: ReferenceWritableKeyPath<EpochClock, Double>, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { self[keyPath: into] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        return try body()
    }
}

/// The training run behind `vimo-amclip train`, on the shared `EpochLoop`.
struct ClassifierTrainer {
    let options: Train
    let terminal: Terminal

    func run() throws -> (record: ClassifierRecord, problems: Int) {
        let out = URL(fileURLWithPath: options.out)
        try OutputFolder.create(out)
        let device = Device(options.cache.device)!
        let modality = Modality(rawValue: options.modality)!
        let scheme = TemporalScheme(parsing: options.scheme)!
        let source = try ClipSource(frames: URL(fileURLWithPath: options.cache.frames),
                                    flow: modality.needsFlow ? options.cache.flow.map { URL(fileURLWithPath: $0) } : nil)
        let data = try LabelledVideos.load(options.cache, source: source, split: .train)

        // The model: its shape fixes the clips' resolution and normalisation.
        let (xclip, normalization) = try startingModel(modality: modality, frames: scheme.frames)
        let spec = ClassifierSpec(
            model: MotionClassifier.Config(xclip: xclip.config, classes: data.classes.count,
                                           head: MotionClassifier.Head(rawValue: options.head)!, normalization: normalization),
            modality: modality, scheme: scheme, classifiers: options.classifiers, seed: options.training.seed,
            flowScale: options.flowScale == "max" ? nil : Double(options.flowScale), template: options.template,
            classNames: data.classes)
        var pipeline = try spec.pipeline(source: source)
        if options.colorJitter == "xclip" { pipeline.jitter = .xclip }
        let (usable, problems) = usableVideos(data.videos, pipeline: pipeline)
        for (video, reason) in problems { terminal.failed(video, reason + "; left out of training") }
        let split = try options.training.split(usable, source: (options.cache.annotations ?? options.cache.frames))
        terminal.line(split.summary + "; checkpoint chosen by validation \(options.select)")

        let prior = (0..<data.classes.count).map { k in
            Double(split.train.filter { data.labels[$0]?[k] == 1 }.count) / Double(max(1, split.train.count))
        }
        if let alpha = options.promptAlpha { try xclip.setPromptAlpha(alpha) }
        let model = try MotionClassifier(spec.model, xclip: xclip, prior: prior)
        try model.to(device: device)
        let ids = try promptIDs(spec.prompts, context: xclip.config.text.context, vocabulary: options.vocabulary,
                                weights: URL(fileURLWithPath: options.`init`.hasPrefix("random:") ? "data/samples/none" : options.`init`))
        let text = try model.textEmbeddings(ids: ids.to(device))
        let groups = model.trainingGroups(newScale: options.newLrScale, weightDecay: options.weightDecay, freezeVision: options.freezeVision)
        let optimizer = try Optimizer.adamW(groups: groups, lr: options.baseRate, betas: (0.9, 0.98), eps: 1e-8)
        let compute: DType? = options.dtype == "bf16" ? .bfloat16 : nil
        let random = pipeline.sampler.random
        let clock = EpochClock()

        let fresh = ClassifierRecord(spec: spec, epoch: 0, validationMAP: nil, validationLoss: nil, validationThreshold: nil,
                                     bestEpoch: nil, bestValidationMAP: nil, bestValidationLoss: nil, trainItems: split.train.count,
                                     validationItems: split.validation.count, settings: settings())
        let warmup = options.warmupEpochs ?? Int((Double(options.epochs) / 6).rounded())
        let loop = EpochLoop<String, ClassifierRecord>(
            plan: options.training.plan(epochs: options.epochs, batch: options.batch,
                                        learningRate: .cosine(base: options.baseRate, floor: options.baseRate / 100, warmupEpochs: warmup),
                                        accumulation: options.accumulate),
            checkpoints: TrainingCheckpoints(folder: out, metadata: ["format": "vimo-amclip", "vimo-amclip": try spec.json()],
                                             writesBestWithoutChoice: true),
            selection: options.select == "map" ? .highestScore : .lowestLoss)
        let record = try loop.run(
            model: model, optimizer: optimizer, examples: split.train, fresh: fresh,
            resumes: { $0.spec == spec && $0.settings == fresh.settings },
            step: { context, videos in
                let flips = videos.map { options.flip && random.unit(["flip", $0, String(context.epoch)]) < 0.5 }
                let clips = try clock.time(\.data) { () throws -> Tensor in
                    let clips = try clipBatch(pipeline, videos: videos, epoch: context.epoch, training: true, flips: flips, device: device)
                    guard modality == .rgbFlow, options.modalityDropout > 0 else { return clips }
                    return try clips * ModalityDropout.mask(videos, epoch: context.epoch, probability: options.modalityDropout,
                                                            images: pipeline.modelFrames, random: random).to(device)
                }
                return try clock.time(\.model) {
                    let logits = try Torch.autocast(compute, on: device) { try model.logits(clips, textEmbeddings: text) }
                    return try MotionClassifier.loss(logits, labels: data.tensor(videos).to(device))
                }
            },
            validate: {
                let (probabilities, loss) = try scores(model, pipeline: pipeline, videos: split.validation, text: text,
                                                       labels: data, compute: compute, device: device, clock: clock)
                let truth = split.validation.map { data.labels[$0]! }
                if probabilities.contains(where: { $0.contains { !$0.isFinite } }) { return ClassifierValidation(map: nil, loss: .nan) }
                let aps = try perClassAveragePrecision(scores: ScoreMatrix(rows: probabilities), labels: LabelMatrix(rows: truth))
                return ClassifierValidation(map: meanAveragePrecision(perClass: aps), loss: loss,
                                            threshold: Threshold.bestMicroF1(probabilities, truth))
            },
            report: { event in
                terminal.show(event.message(program: "vimo-amclip") { report in
                    defer { (clock.data, clock.model) = (0, 0) }
                    return String(format: "epoch %d/%d  train loss %.4f  val loss %.4f  val mAP %@  threshold %@  (data %.1f s, model %.1f s)%@",
                                  report.epoch, report.epochs, report.trainLoss, report.validation.loss,
                                  report.validation.map.map { String(format: "%.4f", $0) } ?? "n/a",
                                  report.validation.threshold.map { String(format: "%.2f", $0) } ?? "n/a",
                                  clock.data, clock.model, report.improved ? "  (best)" : "")
                })
            })
        terminal.line("text tower: \(model.xclip.textPasses) pass for \(spec.prompts.count) prompts (frozen; the embeddings are reused for every video and epoch)")
        return (record, problems.count)
    }

    /// The X-CLIP training starts from, with `modality`'s image count per clip, and the normalisation its images need.
    private func startingModel(modality: Modality, frames: Int) throws -> (XCLIP, ImageNormalization) {
        let images = modality.modelFrames(indices: frames)
        let named = try options.config.map { name -> XCLIP.Config in
            guard let known = XCLIP.Config.named(name) else { throw AMCLIPFailure("--config \(name): not a known X-CLIP configuration") }
            return known
        }
        let start = options.`init`
        if start.hasPrefix("random:") {
            guard let seed = UInt64(start.dropFirst("random:".count)) else { throw AMCLIPFailure("--init \(start): random:SEED needs a whole number") }
            Torch.seed(seed)
            return (try XCLIP(ModelFrames.config(named ?? .tiny, modality: modality, indices: frames)), .imageNet)
        }
        if options.fromClip {
            let loaded = try XCLIPWeights.fromCLIP(URL(fileURLWithPath: start), .init(frames: images, seed: options.training.seed))
            return (loaded.model, loaded.normalization)
        }
        if let earlier = try earlierClassifier(URL(fileURLWithPath: start), frames: images) {
            guard options.config == nil else { throw AMCLIPFailure("--config does not apply to \(start): a vimo-amclip checkpoint has its own") }
            return (earlier.model, earlier.normalization)
        }
        let loaded = try ModelFrames.adapt(try XCLIPWeights.load(URL(fileURLWithPath: start), config: named), frames: images)
        return (loaded.model, loaded.normalization)
    }

    /// A vimo-amclip checkpoint given as `--init` (its safetensors says `format: vimo-amclip`): its X-CLIP, with the
    /// normalisation it was trained with and its MIT positions resampled to this run's clip length; its head is
    /// dropped (this run's classes and prior make a new one). Nil for any other file.
    private func earlierClassifier(_ url: URL, frames: Int) throws -> XCLIPWeights.Loaded? {
        guard url.pathExtension == "safetensors", FileManager.default.fileExists(atPath: url.path),
              (try? CheckpointReader.readSafetensors(url).metadata["format"]) == "vimo-amclip" else { return nil }
        let (spec, _) = try Predict.spec(of: url)
        let earlier = try MotionClassifier(spec.model)
        try earlier.load(contentsOf: url)
        return try ModelFrames.adapt(XCLIPWeights.Loaded(model: earlier.xclip, normalization: spec.model.normalization), frames: frames)
    }

    private func settings() -> [String: String] {
        ["frames": options.cache.frames, "flow": options.cache.flow ?? "", "annotations": options.cache.annotations ?? "",
         "init": options.`init`, "from_clip": "\(options.fromClip)", "config": options.config ?? "", "prompt_alpha": options.promptAlpha.map { "\($0)" } ?? "", "epochs": "\(options.epochs)", "batch": "\(options.batch)",
         "accumulate": "\(options.accumulate)", "lr": "\(options.baseRate)", "new_lr_scale": "\(options.newLrScale)",
         "weight_decay": "\(options.weightDecay)", "warmup_epochs": options.warmupEpochs.map(String.init) ?? "auto",
         "flip": "\(options.flip)", "color_jitter": options.colorJitter, "modality_dropout": "\(options.modalityDropout)", "freeze_vision": "\(options.freezeVision)", "select": options.select, "dtype": options.dtype, "device": options.cache.device,
         "validation": options.training.validationSetting]
    }
}

/// Probabilities (the M classifiers' mean) of `videos` at test-time sampling, and the mean per-classifier BCE.
func scores(_ model: MotionClassifier, pipeline: ClipPipeline, videos: [String], text: Tensor, labels: LabelledVideos?,
            compute: DType?, device: Device, batch: Int = 8, clock: EpochClock? = nil) throws -> ([[Float]], Double) {
    var rows: [[Float]] = [], loss = 0.0
    try Torch.withoutGrad {
        for start in stride(from: 0, to: videos.count, by: batch) {
            let part = Array(videos[start..<min(start + batch, videos.count)])
            let build = { try clipBatch(pipeline, videos: part, epoch: 0, training: false, flips: part.map { _ in false }, device: device) }
            let clips = try clock.map { try $0.time(\.data, build) } ?? build()
            let evaluate = { () throws -> Tensor in
                let logits = try Torch.autocast(compute, on: device) { try model.logits(clips, textEmbeddings: text) }
                if let labels { loss += try MotionClassifier.loss(logits, labels: labels.tensor(part).to(device)).item() * Double(part.count) }
                return try MotionClassifier.probabilities(logits).to(.cpu)
            }
            let probabilities = try clock.map { try $0.time(\.model, evaluate) } ?? evaluate()
            let flat = try probabilities.toArray(Float.self), k = probabilities.shape[1]
            for b in 0..<part.count { rows.append(Array(flat[(b * k)..<((b + 1) * k)])) }
        }
    }
    return (rows, loss / Double(max(1, videos.count)))
}

/// rgb+flow training with one modality sometimes missing (ModDrop, Neverova et al. 2016): for each video and epoch a
/// keyed draw u; u < p/2 blanks its RGB images, p/2 ≤ u < p its flow images (0 after normalisation: the mean image).
enum ModalityDropout {
    /// (B, 1, T, 1, 1, 1) of ones and zeros for interleaved clips of `images` images [I1, F1, I2, F2, …].
    static func mask(_ videos: [String], epoch: Int, probability: Double, images: Int, random: KeyedRandom) throws -> Tensor {
        var values: [Float] = []
        for video in videos {
            let u = random.unit(["modality-dropout", video, String(epoch)])
            let dropped = u < probability / 2 ? 0 : u < probability ? 1 : -1  // the parity of the blanked images
            values += (0..<images).map { $0 % 2 == dropped ? 0 : 1 }
        }
        return try Tensor(values, shape: [videos.count, 1, images, 1, 1, 1])
    }
}

/// The decision threshold for predicted labels.
enum Threshold {
    /// The candidates: 0.05, 0.10, …, 0.95.
    static let candidates = (1...19).map { Double($0) / 20 }

    /// The candidate with the highest micro F1 of `probabilities` against `truth` (ties: the one nearest 0.5).
    static func bestMicroF1(_ probabilities: [[Float]], _ truth: [[UInt8]]) -> Double? {
        guard !probabilities.isEmpty else { return nil }
        var best: (f1: Double, threshold: Double)? = nil
        for t in candidates {
            var tp = 0, fp = 0, fn = 0
            for (row, labels) in zip(probabilities, truth) {
                for (p, y) in zip(row, labels) {
                    let predicted = Double(p) >= t
                    if predicted && y == 1 { tp += 1 } else if predicted { fp += 1 } else if y == 1 { fn += 1 }
                }
            }
            let f1 = tp == 0 ? 0 : 2 * Double(tp) / Double(2 * tp + fp + fn)
            if let b = best, f1 < b.f1 || (f1 == b.f1 && abs(t - 0.5) >= abs(b.threshold - 0.5)) { continue }
            best = (f1, t)
        }
        return best?.threshold
    }
}
