import ArgumentParser
import Core
import Foundation
import Models
import StageCLI
import Store
import Torch
import Training

/// `vimo-moclip`: train the motion student and embed flow with it.
@main
struct MoCLIPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vimo-moclip",
        abstract: "MoCLIP: a CLIP student on colour-coded flow, distilled toward the frozen CLIP teacher's frame embeddings.",
        version: "moclip-2",  // 2: checkpoint pairs carry a file record (older pairs are not read)
        subcommands: [Train.self, Embed.self])
}

/// A reason this run cannot proceed, said in a sentence.
struct MoCLIPFailure: LocalizedError {
    let errorDescription: String?
    init(_ text: String) { errorDescription = text }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the student; keeps the checkpoint with the lowest validation loss (a seeded split of the training videos).",
        discussion: """
        Writes student.safetensors + student.json (the best epoch) and last.safetensors + last.json + last.optim \
        (running the same command again resumes). Each checkpoint is replaced as a unit: its .json names the files \
        written with it, so an interrupted write leaves the previous checkpoint or the new one.

        Exit status: 0 trained; 2 unusable inputs (weights or rows holding NaN/Inf, missing files, an --out that \
        cannot be created); 4 the loss became NaN or infinite (the message names the epoch and step; nothing of \
        that epoch is saved, the earlier checkpoints stay); 64 invalid options.
        """)

    @Option(name: .long, help: ArgumentHelp("Folder of flow shards (vimo-flow --out); labels come from them.", valueName: "dir"))
    var flow: String
    @Option(name: .long, help: ArgumentHelp("Folder of the teacher's CLIP embeddings (vimo-clip --out).", valueName: "dir"))
    var clip: String
    @Option(name: .long, help: ArgumentHelp("Output folder.", valueName: "dir"))
    var out: String
    @Option(name: .long, help: ArgumentHelp("Dataset root whose annotations give the labels (default: the labels stored in the flow shards).", valueName: "root"))
    var labels: String?
    @Option(name: .long, help: "Encoder configuration: vit-b32, vit-b16, vit-l14 or tiny.") var model: String = "vit-b32"
    @Option(name: .long, help: ArgumentHelp("Teacher weights the student starts from (as for vimo-clip), or random:SEED.", valueName: "file"))
    var teacher: String
    @Option(name: .long, help: "Frames per segment (non-overlapping).") var segment: Int = 30
    @Option(name: .long, help: "Segments per step.") var batch: Int = 32
    @Option(name: .long, help: "Adam learning rate.") var lr: Double = 1e-3
    @Option(name: .long, help: "Epochs.") var epochs: Int = 10
    @Option(name: .long, help: "Residual alignment scale α.") var alpha: Double = 0.1
    @Option(name: .long, help: "BCE positive weight (ViMoCLIP's 9·y+1 weighting is 10; 1 turns it off).") var posWeight: Double = 10
    @Option(name: .long, help: ArgumentHelp("Colour coding of the flow: max (each field by its own largest motion, as ViMoCLIP) or PIXELS (that much motion saturates, in every field; speed stays visible). Kept with the student, so embed codes the same way.", valueName: "max|pixels"))
    var flowScale: String = "max"
    @OptionGroup var training: TrainingOptions
    @Option(name: .long, help: "cpu, cuda or cuda:N.") var device: String = "cpu"
    @Flag(name: .long, help: "Hold the teacher's embeddings as float16 in memory (half the memory; the loss is computed in float32).")
    var half = false

    mutating func validate() throws {
        guard CLIPVision.Config.named(model) != nil else { throw ValidationError("--model must be vit-b32, vit-b16, vit-l14 or tiny") }
        guard segment >= 1, batch >= 1, epochs >= 1 else { throw ValidationError("--segment, --batch and --epochs must be positive") }
        guard Device(device) != nil else { throw ValidationError("--device must be cpu, cuda or cuda:N") }
        guard flowScale == "max" || (Double(flowScale).map { $0 > 0 && $0.isFinite } ?? false) else {
            throw ValidationError("--flow-scale must be max or a positive number of pixels, not '\(flowScale)'")
        }
    }

    func run() throws {
        let terminal = Terminal(program: "vimo-moclip", quiet: false)
        do {
            let info = try StudentTrainer(options: self, terminal: terminal).run()
            terminal.line("best epoch \(info.bestEpoch ?? 0) (validation loss \(String(format: "%.4f", info.bestValidationLoss ?? .nan))): "
                          + URL(fileURLWithPath: out).appendingPathComponent("student.safetensors").path)
        } catch {
            terminal.error(error.localizedDescription)
            throw ExitCode(TrainingFailure.exitStatus(for: error))
        }
    }
}

struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Motion embeddings (raw z, as TFAM consumes) for every flow row, aligned with the flow shards.",
        discussion: """
        Same skip/resume/failure semantics as the other stages. An item whose flow rows or embeddings hold NaN or Inf \
        fails (named, its rows not written); the others are committed.

        Exit status: 0 done; 1 more failures than --max-failures; 2 unusable inputs (a checkpoint missing, damaged or \
        without its .json and written before the configuration was embedded in it, an --out that cannot be created); 64 invalid options.
        """)

    @Option(name: .long, help: ArgumentHelp("Folder of flow shards.", valueName: "dir")) var flow: String
    @Option(name: .long, help: ArgumentHelp("student.safetensors (the configuration is in its .json sidecar and in its own metadata, so it also loads alone).", valueName: "file")) var weights: String
    @Option(name: .long, help: ArgumentHelp("Output folder.", valueName: "dir")) var out: String
    @Option(name: .long, help: "Flow fields per forward pass.") var batch: Int = 32
    @Option(name: .long, help: "cpu, cuda or cuda:N.") var device: String = "cpu"
    @OptionGroup var stage: StageOptions

    mutating func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be positive") }
        guard Device(device) != nil else { throw ValidationError("--device must be cpu, cuda or cuda:N") }
    }

    func run() throws {
        let terminal = Terminal(program: "vimo-moclip", quiet: stage.quiet)
        let output = URL(fileURLWithPath: out)
        let selector = stage.selector
        let result: StageSummary
        do {
            try OutputFolder.create(output)
            let weightsURL = URL(fileURLWithPath: weights)
            let info = try CheckpointPair(weights: weightsURL).loadInfo(StudentInfo.self)
            let device = Device(device)!
            let student = try MoCLIPStudent(config: info.config, classes: info.classes, alpha: info.alpha)
            try student.load(contentsOf: weightsURL)
            try student.to(device: device)
            student.eval()
            FlowImages.normalization = FlowImages.normalization(scale: info.flowScale)
            let items = ItemStage(stage: "moclip", upstream: URL(fileURLWithPath: flow), output: output, shard: selector,
                                  itemsPerShard: 64, storage: .raw, rowUnit: "fields",
                                  inputs: ["flow": flow, "weights": weights])
            let (upstream, first) = try items.openUpstream()
            guard case .flow(let h, let w) = first.payload else { throw MoCLIPFailure("\(first.url.path) holds no flow") }
            let params = "{\"weights\":\"\(try FileDigest.sha256(of: weightsURL))\"}"
            let fingerprint = stage.fingerprint ?? FileDigest.sha256(of: Data("moclip\nmoclip-1\n\(params)\n\(first.metadata.fingerprint)".utf8))
            result = try items.run(upstream: upstream, upstreamFingerprint: first.metadata.fingerprint, params: params,
                                   fingerprint: fingerprint, payload: .embeddings(dim: info.config.output),
                                   labelCount: first.labelCount, terminal: terminal) { reader, entry in
                var rows: [UInt8] = []
                try Torch.withoutGrad {
                    for start in stride(from: entry.rows.lowerBound, to: entry.rows.upperBound, by: batch) {
                        let range = start..<min(start + batch, entry.rows.upperBound)
                        let images = try FlowImages.tensor(flow: reader.readFlow(rows: range), count: range.count,
                                                           height: h, width: w, device: device,
                                                           source: "rows \(range) of \(reader.url.path)")
                        rows += try student.embed(images).to(.cpu, dtype: .float32).bytes()
                    }
                }
                return ItemStage.Output(rows: rows, frameIndex: try reader.frameIndex(rows: entry.rows))
            }
        } catch {
            terminal.error(error.localizedDescription)
            throw ExitCode(2)
        }
        try stage.finish(result, output: output, terminal: terminal)
    }
}
