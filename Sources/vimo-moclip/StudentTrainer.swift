import Core
import Datasets
import Foundation
import Models
import StageCLI
import Store
import Torch
import Training

/// The JSON sidecar of a student checkpoint.
struct StudentInfo: Codable {
    var config: CLIPVision.Config
    var classes: Int
    var alpha: Double
    var epoch: Int
    var validationLoss: Double?
    var validationCosine: Double?
    var bestEpoch: Int?
    var bestValidationLoss: Double?
    var trainSegments: Int
    var validationSegments: Int
    /// Pixels of motion that saturate the colour coding; nil: each field's own largest motion (ViMoCLIP's).
    var flowScale: Double?
    var settings: [String: String]
}

/// One validation pass of the student: its loss and the mean distillation cosine.
struct StudentValidation: ValidationOutcome {
    var loss: Double
    var cosine: Double
    var score: Double? { nil }
}

extension StudentInfo: TrainingRecord {
    /// The student is selected by loss alone.
    var bestValidationScore: Double? {
        get { nil }
        set {}
    }

    mutating func record(_ validation: StudentValidation) {
        validationLoss = validation.loss
        validationCosine = validation.cosine
    }
}

/// Trains MoCLIPStudent on non-overlapping segments of flow rows paired with the teacher's
/// embedding of the first frame of each pair ("flow frame t pairs with RGB frame t"), on the shared
/// `EpochLoop` (Adam at a constant rate; the checkpoint of lowest validation loss is `student.*`).
struct StudentTrainer {
    struct Segment {
        var item: String
        var shard: URL
        var rows: Range<Int>          // flow rows in the shard
        var teacherRows: [Int64]      // rows of the item's teacher tensor, one per flow row
        var labels: [UInt8]
    }

    let options: Train
    let terminal: Terminal

    func run() throws -> StudentInfo {
        let device = Device(options.device)!
        let out = URL(fileURLWithPath: options.out)
        try OutputFolder.create(out)
        let flowIndex = try ShardIndex.build(directory: URL(fileURLWithPath: options.flow))
        let (teacherEmbeddings, segments) = try buildSegments(flowIndex)
        guard let classes = segments.first?.labels.count, classes > 0 else {
            throw MoCLIPFailure("no flow rows with labels and teacher embeddings: check --flow and --clip")
        }
        let training = options.training
        let split = try training.split(segments.map(\.item), source: options.labels ?? options.flow)
        let held = Set(split.validation)
        let validation = segments.filter { held.contains($0.item) }, train = segments.filter { !held.contains($0.item) }
        terminal.line(split.summary + " (\(train.count) and \(validation.count) segments)")

        let config = CLIPVision.Config.named(options.model)!
        FlowImages.normalization = FlowImages.normalization(scale: FlowImages.scale(options.flowScale))
        let source = try WeightsSource(parsing: options.teacher)
        let teacher = try source.build({ try CLIPVision(config) }, load: CLIPWeights.load)
        let teacherDigest = try source.identity()
        Torch.seed(training.seed)
        let student = try MoCLIPStudent(config: config, classes: classes, alpha: options.alpha)
        try student.initialise(fromTeacher: teacher)
        try student.to(device: device)
        let optimizer = try Optimizer.adam(student.parameters(), lr: options.lr)
        let posWeight = try Tensor.full([classes], options.posWeight).to(device)

        let fresh = StudentInfo(config: config, classes: classes, alpha: options.alpha, epoch: 0, validationLoss: nil,
                                validationCosine: nil, bestEpoch: nil, bestValidationLoss: nil, trainSegments: train.count,
                                validationSegments: validation.count, flowScale: FlowImages.scale(options.flowScale),
                                settings: ["flow": options.flow, "clip": options.clip, "teacher": teacherDigest, "flow_scale": options.flowScale,
                                           "validation": training.validationSetting,
                                           "segment": "\(options.segment)", "batch": "\(options.batch)", "lr": "\(options.lr)",
                                           "epochs": "\(options.epochs)", "seed": "\(training.seed)", "pos_weight": "\(options.posWeight)", "labels": options.labels ?? "shards"]
                                    .merging(options.half ? ["half": "true"] : [:]) { a, _ in a })

        var readers: [URL: ShardReader] = [:]
        func loss(_ batch: [Segment]) throws -> (Tensor, Double) {
            var total: Tensor? = nil
            var cosine = 0.0
            for s in batch {
                let reader = try readers[s.shard] ?? ShardReader(url: s.shard)
                readers[s.shard] = reader
                guard case .flow(let h, let w) = reader.payload else { throw MoCLIPFailure("\(s.shard.path) holds no flow") }
                let images = try FlowImages.tensor(flow: reader.readFlow(rows: s.rows), count: s.rows.count, height: h, width: w,
                                                   device: device, source: "rows \(s.rows) (item \(s.item)) of \(s.shard.path)")
                let z = try student.embed(images).unsqueezed(0)
                let target = try teacherEmbeddings[s.item]!.indexSelect(0, Tensor(s.teacherRows)).to(device, dtype: .float32).unsqueezed(0)
                let labels = try Tensor(s.labels.map(Float.init), shape: [1, classes]).to(device)
                let (l, c) = try student.loss(z: z, teacher: target, labels: labels, posWeight: posWeight)
                total = try total.map { try $0 + l } ?? l
                cosine += try c.item()
            }
            return (try total! / Double(batch.count), cosine / Double(batch.count))
        }

        let loop = EpochLoop<Segment, StudentInfo>(plan: training.plan(epochs: options.epochs, batch: options.batch),
                                                   checkpoints: TrainingCheckpoints(folder: out, best: "student", metadata: ["format": "vimo-moclip", "vimo.version": MoCLIPCommand.configuration.version]),
                                                   selection: .lowestLoss)
        return try loop.run(
            model: student, optimizer: optimizer, examples: train, fresh: fresh,
            resumes: { $0.settings == fresh.settings },
            step: { try loss($0).0 },
            validate: {
                let (l, c) = try loss(validation)
                return StudentValidation(loss: try l.item(), cosine: c)
            },
            report: { terminal.show($0.message(program: "vimo-moclip", epochLine: Self.epochLine)) })
    }

    /// `epoch 2/4  train loss 1.2345  val loss 1.1111  val cosine 0.8123  (best)`
    static func epochLine(_ report: EpochReport<StudentInfo>) -> String {
        String(format: "epoch %d/%d  train loss %.4f  val loss %.4f  val cosine %.4f%@", report.epoch, report.epochs,
               report.trainLoss, report.validation.loss, report.validation.cosine, report.improved ? "  (best)" : "")
    }

    /// Segments of at most `segment` consecutive flow rows whose first frames have a teacher embedding.
    private func buildSegments(_ flowIndex: ShardIndex) throws -> ([String: Tensor], [Segment]) {
        let clipIndex = try ShardIndex.build(directory: URL(fileURLWithPath: options.clip))
        var annotated: [String: [UInt8]]? = nil
        if let root = options.labels {
            let dataset = try DatasetLoader.load(root: URL(fileURLWithPath: root), split: .train, continueOnError: true,
                                                 requireVideos: false)
            annotated = Dictionary(dataset.items.map { ($0.id, dataset.multiHot($0)) }, uniquingKeysWith: { a, _ in a })
        }
        var teacher: [String: Tensor] = [:]
        var segments: [Segment] = []
        for item in flowIndex.items {
            guard let f = flowIndex[item], let c = clipIndex[item], !f.rows.isEmpty else { continue }
            let flowReader = try ShardReader(url: f.shard), clipReader = try ShardReader(url: c.shard)
            guard case .embeddings(let dim) = clipReader.payload else { throw MoCLIPFailure("\(c.shard.path) holds no embeddings") }
            guard annotated != nil || flowReader.labelCount != nil else {
                throw MoCLIPFailure("\(f.shard.path) carries no labels (give --labels with the dataset root)")
            }
            let clipFrames = try clipReader.frameIndex(rows: c.rows)
            let position = Dictionary(clipFrames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            let flowFrames = try flowReader.frameIndex(rows: f.rows)
            let labels: [UInt8]
            if let annotated {
                guard let l = annotated[item] else { continue }   // not a training video of the annotations
                labels = l
            } else {
                labels = try flowReader.labels(item: f.position)
            }
            // Only the training videos' embeddings are held (float16 with --half).
            let embeddings = try Tensor(clipReader.readEmbeddings(rows: c.rows), shape: [c.rows.count, dim])
            let damage = try embeddings.nonFiniteCount()
            guard damage.isZero else {
                throw MoCLIPFailure("\(c.shard.path): the teacher embeddings of item \(item) hold \(damage.nan) NaN and "
                                    + "\(damage.infinite) infinite value(s); recompute them (vimo-clip, or vimo verify)")
            }
            teacher[item] = options.half ? try embeddings.to(.float16) : embeddings
            var run: [(row: Int, teacher: Int)] = []
            func flush() {
                guard let firstRow = run.first?.row else { return }
                segments.append(Segment(item: item, shard: f.shard, rows: firstRow..<(firstRow + run.count),
                                        teacherRows: run.map { Int64($0.teacher) }, labels: labels))
                run = []
            }
            for (k, frame) in flowFrames.enumerated() {
                guard let t = position[frame] else { flush(); continue }
                run.append((f.rows.lowerBound + k, t))
                if run.count == options.segment { flush() }
            }
            flush()
        }
        return (teacher, segments)
    }
}
