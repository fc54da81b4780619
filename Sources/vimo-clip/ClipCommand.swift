import ArgumentParser
import Core
import Foundation
import Models
import StageCLI
import Store
import Torch

/// `vimo-clip`: CLIP image embeddings of every cached frame.
@main
struct ClipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vimo-clip",
        abstract: "Embed every decoded frame with a frozen CLIP image encoder; writes embeddings float32 (N, D) aligned with the decode rows.",
        discussion: """
        Weights: an OpenAI CLIP .pt (TorchScript), an OpenAI/open_clip state dict, or a Hugging Face \
        CLIPVisionModelWithProjection .safetensors; `random:SEED` builds seeded random weights (tests, the demo). \
        Frames are normalised exactly as CLIP's preprocessing does (they are already 224×224). Items already \
        committed in --out for the same upstream item are skipped.

        Weights holding NaN or Inf are rejected at load, naming the file and the tensor; an item whose embeddings come \
        out NaN or Inf fails (named, its rows not written) while the others are committed.

        Exit status: 0 all items done or cached; 1 more failures than --max-failures; 2 unusable inputs (missing, \
        mismatched or damaged weights, no decode shards, --out made with other parameters or not creatable); 64 invalid options.
        """,
        version: "clip-1")

    @Option(name: .long, help: ArgumentHelp("Folder of decode shards (vimo-decode --out).", valueName: "dir"))
    var frames: String

    @Option(name: .long, help: ArgumentHelp("Output folder for embedding shards.", valueName: "dir"))
    var out: String

    @Option(name: .long, help: "vit-b32, vit-b16, vit-l14 or tiny.")
    var model: String = "vit-b32"

    @Option(name: .long, help: ArgumentHelp("Weights file, or random:SEED.", valueName: "file"))
    var weights: String

    @Option(name: .long, help: "Frames per forward pass.")
    var batch: Int = 32

    @Option(name: .long, help: "cpu, cuda or cuda:N.")
    var device: String = "cpu"

    @Option(name: .long, help: "Computation dtype: f32, f16 or bf16 (outputs are stored as float32).")
    var dtype: String = "f32"

    @Option(name: .long, help: "Items per shard file.")
    var itemsPerShard: Int = 64

    @OptionGroup var stage: StageOptions

    mutating func validate() throws {
        guard CLIPVision.Config.named(model) != nil else { throw ValidationError("--model must be vit-b32, vit-b16, vit-l14 or tiny") }
        guard batch >= 1, itemsPerShard >= 1 else { throw ValidationError("--batch and --items-per-shard must be positive") }
        guard Device(device) != nil else { throw ValidationError("--device must be cpu, cuda or cuda:N") }
        guard ["f32", "f16", "bf16"].contains(dtype) else { throw ValidationError("--dtype must be f32, f16 or bf16") }
    }

    func run() throws {
        let terminal = Terminal(program: "vimo-clip", quiet: stage.quiet)
        let output = URL(fileURLWithPath: out)
        let shardSelector = stage.selector
        let result: StageSummary
        do {
            try OutputFolder.create(output)
            let config = CLIPVision.Config.named(model)!
            let device = Device(device)!
            let computeType: DType = dtype == "f16" ? .float16 : dtype == "bf16" ? .bfloat16 : .float32
            let source = try WeightsSource(parsing: weights)
            let encoder = try source.build({ try CLIPVision(config) }, load: CLIPWeights.load)
            let weightsDigest = try source.identity()
            try encoder.to(device: device, dtype: computeType)
            encoder.freeze()
            let items = ItemStage(stage: "clip", upstream: URL(fileURLWithPath: frames), output: output, shard: shardSelector,
                                  itemsPerShard: itemsPerShard, storage: .raw, rowUnit: "frames",
                                  inputs: ["frames": frames, "weights": weights])
            let (upstream, first) = try items.openUpstream()
            guard case .frames(let h, let w, 3) = first.payload, h == config.resolution, w == config.resolution else {
                throw ClipFailure("\(first.url.path) does not hold \(config.resolution)×\(config.resolution) RGB frames")
            }
            let params = "{\"dtype\":\"\(dtype)\",\"model\":\"\(model)\",\"weights\":\"\(weightsDigest)\"}"
            let fingerprint = stage.fingerprint ?? FileDigest.sha256(of: Data("clip\nclip-1\n\(params)\n\(first.metadata.fingerprint)".utf8))
            result = try items.run(upstream: upstream, upstreamFingerprint: first.metadata.fingerprint, params: params,
                                   fingerprint: fingerprint, payload: .embeddings(dim: config.output),
                                   labelCount: first.labelCount, terminal: terminal) { reader, entry in
                let pixels = try reader.readFrames(rows: entry.rows)
                var rows: [UInt8] = []
                rows.reserveCapacity(entry.rows.count * config.output * 4)
                try Torch.withoutGrad {
                    for start in stride(from: 0, to: entry.rows.count, by: batch) {
                        let n = min(batch, entry.rows.count - start)
                        let size = h * w * 3
                        let chunk = Array(pixels[(start * size)..<((start + n) * size)])
                        let images = try CLIPVision.preprocess(Tensor(chunk, shape: [n, h, w, 3]).to(device)).to(computeType)
                        rows += try encoder(images).to(.cpu, dtype: .float32).bytes()
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

/// A reason this run cannot proceed, said in a sentence.
struct ClipFailure: LocalizedError {
    let errorDescription: String?
    init(_ text: String) { errorDescription = text }
}
