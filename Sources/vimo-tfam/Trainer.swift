import Core
import Datasets
import Foundation
import Metrics
import Models
import StageCLI
import Torch

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
    var seed: UInt64
    var maxFrames: Int?
    var half: Bool
    var device: Device
    var validationFraction: Double
    var stopAfter: Int?
    var minimumValidation = ValidationSplit.defaultMinimum
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
/// (`Selection`), resumable from `last.*`.
final class Trainer {
    let settings: TrainSettings
    let terminal: Terminal

    init(settings: TrainSettings, terminal: Terminal) {
        self.settings = settings
        self.terminal = terminal
    }

    func run() throws -> CheckpointInfo {
        try OutputFolder.create(settings.out)
        let clip = try SequenceSet.load(settings.clip, half: settings.half)
        let motion = try SequenceSet.load(settings.motion, half: settings.half)
        guard clip.dim == motion.dim else { throw TFAMError.dimensionMismatch(clip.dim, motion.dim) }
        let (labels, classes, candidates) = try loadLabels(clip: clip, annotations: settings.annotations, split: .train)
        let usable = candidates.filter { clip.sequences[$0] != nil && motion.sequences[$0] != nil && labels[$0] != nil }
        guard !usable.isEmpty else { throw TFAMError.noItems("train on") }
        // Seeded, order-independent validation split carved from the training items.
        let split = try ValidationSplit(items: usable, fraction: settings.validationFraction, minimum: settings.minimumValidation,
                                        seed: settings.seed, source: (settings.annotations ?? settings.clip).path)
        let (validation, train) = (split.validation, split.train)
        terminal.line(split.summary + "; checkpoint chosen by validation \(settings.selection.rawValue)")

        var config = settings.config
        config.dim = clip.dim
        config.classes = classes.count
        Torch.seed(settings.seed)
        let model = try TFAM(config)
        if config.standardizeMotion == true {
            let (mean, std) = try motion.statistics(of: train)
            try model.setMotionStandardization(mean: mean, std: std)
        }
        try model.to(device: settings.device)
        let optimizer = try Optimizer.adamW(model.parameters(), lr: settings.lr, weightDecay: settings.weightDecay)
        let stepsPerEpoch = (train.count + settings.batch - 1) / settings.batch
        let schedule = LearningRateSchedule(base: settings.lr, totalSteps: settings.epochs * stepsPerEpoch, cosineFloor: 1e-6)
        let batcher = Batcher(clip: clip, motion: motion, labels: labels, maxFrames: settings.maxFrames,
                              aligned: config.fusion == Fusion.concatEmbedding.rawValue, device: settings.device)

        let last = CheckpointPair(folder: settings.out, name: "last"), best = CheckpointPair(folder: settings.out, name: "best")
        var info = CheckpointInfo(config: config, epoch: 0, validationMAP: nil, validationLoss: nil, bestEpoch: nil,
                                  bestValidationMAP: nil, classes: classes, trainItems: train.count,
                                  validationItems: validation.count, settings: describe())
        // What a divergence leaves on disk: the checkpoints written before it (by this run or an earlier one).
        var kept: String? = nil
        switch last.resumePoint(CheckpointInfo.self) {
        case .found(let previous):
            kept = "the checkpoints in \(settings.out.path) (last.* of epoch \(previous.epoch))"
            if previous.config == config, previous.settings == info.settings {
                try model.load(contentsOf: last.weightsURL)
                try optimizer.load(from: last.optimizerURL)
                info = previous
                terminal.line("vimo-tfam: resuming after epoch \(info.epoch) of \(settings.epochs)")
            }
        case .unusable(let reason):
            terminal.warning("not resuming: \(reason); training starts over")
        case .none:
            break
        }

        while info.epoch < min(settings.epochs, settings.stopAfter ?? .max) {
            let epoch = info.epoch
            Torch.seed(settings.seed &+ UInt64(epoch) &* 7919)   // dropout: same per epoch, resumed or not
            var rng = SplitMix64(seed: settings.seed &+ UInt64(epoch))
            let order = train.shuffled(using: &rng)
            model.train()
            var total = 0.0
            var meter = EpochProgress(epoch: epoch + 1, epochs: settings.epochs, steps: stepsPerEpoch)
            for (i, start) in stride(from: 0, to: order.count, by: settings.batch).enumerated() {
                let ids = Array(order[start..<min(start + settings.batch, order.count)])
                let b = try batcher.batch(ids)
                try optimizer.setLearningRate(schedule.rate(at: epoch * stepsPerEpoch + i))
                try optimizer.zeroGrad()
                let loss = try F.binaryCrossEntropyWithLogits(
                    model(rgb: b.rgb, rgbMask: b.rgbMask, motion: b.motion, motionMask: b.motionMask), b.labels)
                let value = try loss.item()
                try LossDiverged.check(value, epoch: epoch + 1, step: i + 1, steps: stepsPerEpoch, kept: kept)
                try loss.backward()
                try optimizer.step()
                total += value * Double(ids.count)
                terminal.progress(meter.advance(step: i + 1, loss: value, samples: ids.count))
            }
            let (map, validationLoss) = try evaluate(model, batcher, validation, labels)
            try LossDiverged.check(validationLoss, epoch: epoch + 1, step: nil, steps: stepsPerEpoch, kept: kept)
            info.epoch = epoch + 1
            info.validationMAP = map
            info.validationLoss = validationLoss
            var improved = false
            if settings.selection.improves(map: map, loss: validationLoss, over: info) {
                info.bestValidationMAP = map
                info.bestValidationLoss = validationLoss
                info.bestEpoch = epoch + 1
                improved = true
                try best.write(weights: model.stateDict(), metadata: ["format": "vimo-tfam"], info: info)
            }
            try last.write(weights: model.stateDict(), metadata: ["format": "vimo-tfam"], info: info, optimizer: optimizer)
            kept = "the checkpoints in \(settings.out.path) (last.* of epoch \(info.epoch))"
            terminal.line(String(format: "epoch %d/%d  train loss %.4f  val loss %.4f  val mAP %@%@", epoch + 1, settings.epochs,
                                 total / Double(max(1, train.count)), validationLoss,
                                 map.map { String(format: "%.4f", $0) } ?? "n/a", improved ? "  (best)" : ""))
        }
        if info.bestEpoch == nil { try best.write(weights: model.stateDict(), metadata: ["format": "vimo-tfam"], info: info) }
        return info
    }

    private func describe() -> [String: String] {
        ["clip": settings.clip.path, "motion": settings.motion.path, "epochs": "\(settings.epochs)", "batch": "\(settings.batch)",
         "lr": "\(settings.lr)", "weight_decay": "\(settings.weightDecay)", "seed": "\(settings.seed)",
         "max_frames": settings.maxFrames.map(String.init) ?? "all",
         "validation": "\(settings.validationFraction), at least \(settings.minimumValidation)", "select": settings.selection.rawValue]
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
