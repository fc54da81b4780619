import Core
import Datasets
import Foundation
import Metrics
import Models
import StageCLI
import Torch
import Training

/// What a training run is asked to do.
struct TrainSettings {
    var clip: URL
    var motion: URL
    var annotations: URL?
    var out: URL
    var config: TFAMConfig
    var epochs: Int
    var batch: Int
    var lr: Double
    var weightDecay: Double
    var maxFrames: Int?
    var half: Bool
    var device: Device
    /// Seed, validation split, --stop-after.
    var training: TrainingOptions
    var selection = Selection.loss
}

/// The JSON sidecar of a checkpoint.
struct CheckpointInfo: Codable {
    var config: TFAMConfig
    var epoch: Int
    var validationMAP: Double?
    var validationLoss: Double?
    var bestEpoch: Int?
    var bestValidationMAP: Double?
    var bestValidationLoss: Double?
    var classes: [String]
    var trainItems: Int
    var validationItems: Int
    var settings: [String: String]
}

/// Labels and class names: from the dataset annotations when given, else from the shards.
func loadLabels(clip: SequenceSet, annotations: URL?, split: SplitSelection) throws -> (labels: [String: [UInt8]], classes: [String], items: [String]) {
    if let annotations {
        let dataset = try DatasetLoader.load(root: annotations, split: split, continueOnError: true, requireVideos: false)
        var labels: [String: [UInt8]] = [:]
        for item in dataset.items { labels[item.id] = dataset.multiHot(item) }
        return (labels, dataset.classes.names, dataset.items.map(\.id).sorted())
    }
    var labels: [String: [UInt8]] = [:]
    for (id, s) in clip.sequences {
        guard let l = s.labels else { throw TFAMError.noLabels(id) }
        labels[id] = l
    }
    let k = labels.values.first?.count ?? 0
    return (labels, (0..<k).map { "class \($0)" }, clip.items)
}

/// Trains TFAM: AdamW, cosine schedule to 1e-6, BCE-with-logits, validation on a seeded split
/// of the training items (`ValidationSplit`), best checkpoint by validation loss or mAP
/// (`Selection`), resumable from `last.*` — on the shared `EpochLoop`.
struct Trainer {
    let settings: TrainSettings
    let terminal: Terminal

    func run() throws -> CheckpointInfo {
        try OutputFolder.create(settings.out)
        let clip = try SequenceSet.load(settings.clip, half: settings.half)
        let motion = try SequenceSet.load(settings.motion, half: settings.half)
        guard clip.dim == motion.dim else { throw TFAMError.dimensionMismatch(clip.dim, motion.dim) }
        let (labels, classes, candidates) = try loadLabels(clip: clip, annotations: settings.annotations, split: .train)
        let usable = candidates.filter { clip.sequences[$0] != nil && motion.sequences[$0] != nil && labels[$0] != nil }
        guard !usable.isEmpty else { throw TFAMError.noItems("train on") }
        // Seeded, order-independent validation split carved from the training items.
        let split = try settings.training.split(usable, source: (settings.annotations ?? settings.clip).path)
        let (validation, train) = (split.validation, split.train)
        terminal.line(split.summary + "; checkpoint chosen by validation \(settings.selection.rawValue)")

        var config = settings.config
        config.dim = clip.dim
        config.classes = classes.count
        Torch.seed(settings.training.seed)
        let model = try TFAM(config)
        if config.standardizeMotion == true {
            let (mean, std) = try motion.statistics(of: train)
            try model.setMotionStandardization(mean: mean, std: std)
        }
        try model.to(device: settings.device)
        let optimizer = try Optimizer.adamW(model.parameters(), lr: settings.lr, weightDecay: settings.weightDecay)
        let batcher = Batcher(clip: clip, motion: motion, labels: labels, maxFrames: settings.maxFrames,
                              aligned: config.fusion == Fusion.concatEmbedding.rawValue, device: settings.device)

        let fresh = CheckpointInfo(config: config, epoch: 0, validationMAP: nil, validationLoss: nil, bestEpoch: nil,
                                   bestValidationMAP: nil, classes: classes, trainItems: train.count,
                                   validationItems: validation.count, settings: describe())
        let loop = EpochLoop<String, CheckpointInfo>(
            plan: settings.training.plan(epochs: settings.epochs, batch: settings.batch,
                                         learningRate: .cosine(base: settings.lr, floor: 1e-6)),
            checkpoints: TrainingCheckpoints(folder: settings.out, metadata: ["format": "vimo-tfam", "vimo.version": TFAMCommand.configuration.version], writesBestWithoutChoice: true),
            selection: settings.selection.rule)
        return try loop.run(
            model: model, optimizer: optimizer, examples: train, fresh: fresh,
            resumes: { $0.config == config && $0.settings == fresh.settings },
            step: { ids in
                let b = try batcher.batch(ids)
                return try F.binaryCrossEntropyWithLogits(
                    model(rgb: b.rgb, rgbMask: b.rgbMask, motion: b.motion, motionMask: b.motionMask), b.labels)
            },
            validate: {
                let (map, loss) = try evaluate(model, batcher, validation, labels)
                return TFAMValidation(map: map, loss: loss)
            },
            report: { terminal.show($0.message(program: "vimo-tfam", epochLine: Self.epochLine)) })
    }

    /// `epoch 2/4  train loss 0.6012  val loss 0.5930  val mAP 0.5211  (best)`
    static func epochLine(_ report: EpochReport<CheckpointInfo>) -> String {
        String(format: "epoch %d/%d  train loss %.4f  val loss %.4f  val mAP %@%@", report.epoch, report.epochs, report.trainLoss,
               report.validation.loss, report.validation.map.map { String(format: "%.4f", $0) } ?? "n/a",
               report.improved ? "  (best)" : "")
    }

    private func describe() -> [String: String] {
        ["clip": settings.clip.path, "motion": settings.motion.path, "epochs": "\(settings.epochs)", "batch": "\(settings.batch)",
         "lr": "\(settings.lr)", "weight_decay": "\(settings.weightDecay)", "seed": "\(settings.training.seed)",
         "max_frames": settings.maxFrames.map(String.init) ?? "all",
         "validation": settings.training.validationSetting, "select": settings.selection.rawValue]
    }
}

/// One validation pass of TFAM: mAP (nil when undefined) and BCE.
struct TFAMValidation: ValidationOutcome {
    var map: Double?
    var loss: Double
    var score: Double? { map }
}

extension CheckpointInfo: TrainingRecord {
    var bestValidationScore: Double? {
        get { bestValidationMAP }
        set { bestValidationMAP = newValue }
    }

    mutating func record(_ validation: TFAMValidation) {
        validationMAP = validation.map
        validationLoss = validation.loss
    }
}

/// Scores for `items` (N, K) as Float rows, in order.
func predict(_ model: TFAM, _ batcher: Batcher, _ items: [String], batch: Int = 16) throws -> [[Float]] {
    model.eval()
    return try Torch.withoutGrad {
        var rows: [[Float]] = []
        for start in stride(from: 0, to: items.count, by: batch) {
            let ids = Array(items[start..<min(start + batch, items.count)])
            let b = try batcher.batch(ids)
            let scores = try model(rgb: b.rgb, rgbMask: b.rgbMask, motion: b.motion, motionMask: b.motionMask).sigmoid()
            let flat = try scores.toArray(Float.self), k = scores.shape[1]
            for i in 0..<ids.count { rows.append(Array(flat[(i * k)..<((i + 1) * k)])) }
        }
        return rows
    }
}

/// Validation mAP (Animal Kingdom definition) and loss; a NaN loss (and no mAP) when a score is not a number.
func evaluate(_ model: TFAM, _ batcher: Batcher, _ items: [String], _ labels: [String: [UInt8]]) throws -> (Double?, Double) {
    let scores = try predict(model, batcher, items)
    if scores.contains(where: { $0.contains { !$0.isFinite } }) { return (nil, .nan) }
    let truth = items.map { labels[$0]! }
    var loss = 0.0
    for (s, y) in zip(scores, truth) {
        for (p, t) in zip(s, y) {
            let q = min(max(Double(p), 1e-7), 1 - 1e-7)
            loss -= t == 1 ? Foundation.log(q) : Foundation.log(1 - q)
        }
    }
    let k = truth.first?.count ?? 1
    let aps = try perClassAveragePrecision(scores: ScoreMatrix(rows: scores), labels: LabelMatrix(rows: truth))
    return (meanAveragePrecision(perClass: aps), loss / Double(max(1, items.count * k)))
}
