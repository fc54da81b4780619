import AMCLIP
import Core
import Datasets
import Foundation
import Media
import Models
import Store
import Text
import Torch
import Training

// vimo's side of bench/amclip.sh: AnimalMotionCLIP's input pipeline from the cache — for every video and epoch,
// the M classifiers' clips of P sampled indices as [I_s1, F_s1, …] (decode rows + colour-coded flow fields,
// ImageNet-normalised, flipped for half the videos), batched (B, M, 2P, 3, 224, 224).
//
//   vimo-bench-amclip export-flow FRAMES FLOW OUT   colour-coded flow mp4 per video (the anchor's flow input,
//                                                   as ViMoCLIP stores flow)
//   vimo-bench-amclip plan FRAMES FLOW PLAN.json    every (epoch, video, classifier)'s indices and flips, for the anchor
//   vimo-bench-amclip train-plan FRAMES FLOW PLAN.json
//                                                   what `vimo-amclip train --epochs 1 --seed SEED --config CONFIG
//                                                   --validation-fraction VALIDATION_FRACTION --min-validation
//                                                   MIN_VALIDATION --flip` trains on, for bench/amclip_train_anchor.py:
//                                                   the training split in epoch 0's order with its clips, flips and
//                                                   labels (ANNOTATIONS=<dataset root>, as --annotations), the
//                                                   validation videos' test-time clips, the K class names' token ids,
//                                                   the X-CLIP configuration and the parameter count
//   vimo-bench-amclip run FRAMES FLOW [DUMP]        time EPOCHS epochs; print one JSON line; DUMP gets the first
//                                                   video's epoch-0 clips as raw float32
//   vimo-bench-amclip profile FRAMES FLOW           one thread: seconds per video reading rows, making images,
//                                                   normalising; and FlowColor.image per field
// Settings (env): SCHEME (sparse:8), CLASSIFIERS (3), EPOCHS (2), SEED (0), BATCH (4), WORKERS (2); train-plan also
// ANNOTATIONS, CONFIG (tiny-112), VALIDATION_FRACTION (0.1), MIN_VALIDATION (1), VOCABULARY (data/samples/bpe_simple_vocab_16e6.txt.gz).

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
}

let env = ProcessInfo.processInfo.environment
let arguments = CommandLine.arguments
guard arguments.count >= 5 || (arguments.count == 4 && ["run", "profile"].contains(arguments[1])) else {
    FileHandle.standardError.write(Data("usage: vimo-bench-amclip export-flow|plan|train-plan|run|profile FRAMES FLOW [OUT]\n".utf8))
    exit(64)
}
let mode = arguments[1]
let framesURL = URL(fileURLWithPath: arguments[2]), flowURL = URL(fileURLWithPath: arguments[3])
let epochs = Int(env["EPOCHS"] ?? "") ?? 2
let batchSize = Int(env["BATCH"] ?? "") ?? 4
let workers = Int(env["WORKERS"] ?? "") ?? 2
guard let scheme = TemporalScheme(parsing: env["SCHEME"] ?? "sparse:8") else { throw BenchFailure(description: "SCHEME: dense:P, semi-dense:P1+P2 or sparse:P") }
let sampler = try Sampler(scheme: scheme, classifiers: Int(env["CLASSIFIERS"] ?? "") ?? 3, seed: UInt64(env["SEED"] ?? "") ?? 0)
let source = try ClipSource(frames: framesURL, flow: flowURL)
let builder = ClipBuilder(modality: .rgbFlow, normalization: .imageNet, resolution: 224)
let pipeline = try ClipPipeline(source: source, sampler: sampler, builder: builder)
let videos = source.videos

/// The bench's flip rule, shared with the anchor through the plan: half the videos, keyed by (video, epoch).
func flips(_ video: String, _ epoch: Int) -> Bool { sampler.random.unit(["flip", video, String(epoch)]) < 0.5 }

switch mode {
case "export-flow":
    let out = URL(fileURLWithPath: arguments[4])
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    let plane = source.height * source.width
    for video in videos {
        guard let entry = source.flow?[video] else { throw BenchFailure(description: "\(video) has no flow") }
        let fields = try ShardReader(url: entry.shard).readFlow(rows: entry.rows)
        let encoder = try VideoEncoder(url: out.appendingPathComponent("\(video).mp4"), width: source.width, height: source.height,
                                       options: EncodeOptions(codec: .h264))
        for k in 0..<entry.rows.count {
            let base = 2 * k * plane
            try encoder.append(rgb: FlowColor.image(u: Array(fields[base..<(base + plane)]), v: Array(fields[(base + plane)..<(base + 2 * plane)]),
                                                    width: source.width, height: source.height))
        }
        try encoder.finish()
    }
case "plan":
    var items: [[String: Any]] = []
    for video in videos {
        guard let entry = source.frames[video] else { continue }
        let frameIndex = try ShardReader(url: entry.shard).frameIndex(rows: entry.rows).map(Int.init)
        let clips = try (0..<epochs).map { e in
            try (0..<sampler.classifiers).map { m in try pipeline.indices(video: video, classifier: m, epoch: e, training: true) }
        }
        items.append(["id": video, "frame_index": frameIndex, "clips": clips, "flips": (0..<epochs).map { flips(video, $0) }])
    }
    let plan: [String: Any] = ["videos": items, "epochs": epochs, "classifiers": sampler.classifiers, "indices": sampler.frames,
                               "scheme": scheme.description, "mean": builder.normalization.mean, "std": builder.normalization.std,
                               "resolution": builder.resolution, "batch": batchSize, "workers": workers]
    try JSONSerialization.data(withJSONObject: plan, options: [.sortedKeys]).write(to: URL(fileURLWithPath: arguments[4]))
case "train-plan":
    // The same choices vimo-amclip train makes with these options (ClassifierTrainer.run, EpochLoop.run).
    let seed = UInt64(env["SEED"] ?? "") ?? 0
    guard let base = XCLIP.Config.named(env["CONFIG"] ?? "tiny-112") else { throw BenchFailure(description: "CONFIG: an X-CLIP configuration name") }
    let xclipConfig = ModelFrames.config(base, modality: .rgbFlow, indices: scheme.frames)
    // Labels and class names as `vimo-amclip train --annotations ROOT` reads them (LabelledVideos.load): the train split.
    guard let root = env["ANNOTATIONS"] else { throw BenchFailure(description: "train-plan needs ANNOTATIONS=<dataset root>") }
    let dataset = try DatasetLoader.load(root: URL(fileURLWithPath: root), split: .train, continueOnError: true, requireVideos: false)
    let cached = Set(videos)
    var labels: [String: [UInt8]] = [:]
    for item in dataset.items where cached.contains(item.id) { labels[item.id] = dataset.multiHot(item) }
    let classes = dataset.classes.names
    let usable = labels.keys.sorted().filter { (try? pipeline.indices(video: $0, classifier: 0, epoch: 0, training: false)) != nil }
    let split = try ValidationSplit(items: usable, fraction: Double(env["VALIDATION_FRACTION"] ?? "") ?? 0.1,
                                    minimum: Int(env["MIN_VALIDATION"] ?? "") ?? 1, seed: seed, source: framesURL.path)
    let order = TrainingPlan(epochs: 1, batch: batchSize, seed: seed).order(split.train, epoch: 0)
    func item(_ video: String, training: Bool) throws -> [String: Any] {
        guard let entry = source.frames[video] else { throw BenchFailure(description: "\(video) has no frames") }
        let frameIndex = try ShardReader(url: entry.shard).frameIndex(rows: entry.rows).map(Int.init)
        let clips = try (0..<sampler.classifiers).map { try pipeline.indices(video: video, classifier: $0, epoch: 0, training: training) }
        return ["id": video, "frame_index": frameIndex, "clips": [clips], "flips": [training && flips(video, 0)],
                "labels": labels[video]!.map(Int.init)]
    }
    let tokenizer = try CLIPVocabularyLoader.load(contentsOf: URL(fileURLWithPath: env["VOCABULARY"] ?? "data/samples/\(CLIPVocabularyLoader.openAIFileName)"))
    let ids = try tokenizer.tokenize(classes, contextLength: xclipConfig.text.context)  // template {}: the class names
    let model = try MotionClassifier(MotionClassifier.Config(xclip: xclipConfig, classes: classes.count, head: .affine, normalization: .imageNet),
                                     xclip: XCLIP(xclipConfig))
    let parameters = model.namedTensors().reduce(0) { $0 + $1.tensor.shape.reduce(1, *) }
    let c = xclipConfig
    let config: [String: Any] = [
        "name": c.name, "frames": c.frames, "projection": c.projection, "logit_scale": c.logitScale,
        "text": ["vocabulary": c.text.vocabulary, "context": c.text.context, "width": c.text.width, "heads": c.text.heads,
                 "layers": c.text.layers, "hidden": c.text.hidden],
        "vision": ["resolution": c.vision.resolution, "patch": c.vision.patch, "width": c.vision.width, "layers": c.vision.layers,
                   "heads": c.vision.heads, "hidden": c.vision.hidden],
        "mit": ["layers": c.mit.layers, "heads": c.mit.heads, "hidden": c.mit.hidden],
        "prompt": ["layers": c.prompt.layers, "heads": c.prompt.heads, "alpha": c.prompt.alpha]]
    let plan: [String: Any] = [
        "videos": try order.map { try item($0, training: true) }, "validation": try split.validation.map { try item($0, training: false) },
        "epochs": 1, "classifiers": sampler.classifiers, "indices": sampler.frames, "scheme": scheme.description,
        "mean": builder.normalization.mean, "std": builder.normalization.std, "resolution": c.vision.resolution,
        "batch": batchSize, "workers": workers, "seed": seed, "input_ids": ids.map { $0.map(Int.init) }, "config": config,
        "parameters": parameters, "lr": 8e-6 * Double(batchSize) / 256, "new_lr_scale": 10.0, "weight_decay": 0.001,
        "head_scale": MotionClassifier.startScale]
    try JSONSerialization.data(withJSONObject: plan, options: [.sortedKeys]).write(to: URL(fileURLWithPath: arguments[4]))
case "run":
    Torch.threads = 1  // the parallelism is WORKERS videos at a time, as the anchor's DataLoader workers
    if arguments.count >= 5 {
        let first = try pipeline.clips(video: videos[0], epoch: 0, training: true, flip: flips(videos[0], 0))
        try Data(first.bytes()).write(to: URL(fileURLWithPath: arguments[4]))
    }
    let lock = NSLock()
    var batches = 0, failure: Error?
    let start = DispatchTime.now().uptimeNanoseconds
    for epoch in 0..<epochs {
        for batchStart in stride(from: 0, to: videos.count, by: batchSize) {
            let chunk = Array(videos[batchStart..<min(batchStart + batchSize, videos.count)])
            var clips = [Tensor?](repeating: nil, count: chunk.count)
            DispatchQueue.concurrentPerform(iterations: min(workers, chunk.count)) { w in
                for i in stride(from: w, to: chunk.count, by: workers) {
                    do {
                        let clip = try pipeline.clips(video: chunk[i], epoch: epoch, training: true, flip: flips(chunk[i], epoch))
                        lock.lock(); clips[i] = clip; lock.unlock()
                    } catch {
                        lock.lock(); failure = error; lock.unlock()
                    }
                }
            }
            if let failure { throw failure }
            let batch = try ClipBuilder.batch(clips.compactMap { $0 })
            precondition(batch.shape == [chunk.count, sampler.classifiers, pipeline.modelFrames, 3, 224, 224])
            batches += 1
        }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print("{\"side\": \"vimo\", \"videos\": \(videos.count), \"epochs\": \(epochs), \"batches\": \(batches), \"seconds\": \(seconds), "
          + "\"videos_per_s\": \(Double(videos.count * epochs) / seconds), \"scheme\": \"\(scheme)\", \"classifiers\": \(sampler.classifiers), "
          + "\"workers\": \(workers)}")
case "profile":
    // Where one video's time goes, single-threaded: reading rows, making images, normalising.
    Torch.threads = 1
    func clock() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    var read = 0.0, images = 0.0, tensor = 0.0
    for video in videos {
        let selections = try (0..<sampler.classifiers).map { try pipeline.indices(video: video, classifier: $0, epoch: 0, training: true) }
        let union = Array(Set(selections.joined())).sorted()
        var t = clock()
        let rows = try source.read(video: video, indices: union, modality: .rgbFlow)
        read += clock() - t; t = clock()
        _ = try builder.images(rows, flip: true)
        images += clock() - t; t = clock()
        _ = try builder.clips(rows, selections: selections, flip: true)
        tensor += clock() - t
    }
    let w = source.width, plane = w * source.height
    let u = (0..<plane).map { Float($0 % w) * 0.1 - 5 }, v = (0..<plane).map { Float($0 / w) * 0.05 - 3 }
    var t = clock()
    for _ in 0..<24 { _ = FlowColor.image(u: u, v: v, width: w, height: source.height) }
    print("FlowColor.image \(w)×\(source.height): \((clock() - t) / 24) s per field")
    print("per video: read \(read / Double(videos.count)) s, images \(images / Double(videos.count)) s, images+tensor \(tensor / Double(videos.count)) s")
default:
    throw BenchFailure(description: "mode \(mode): export-flow, plan, train-plan, run or profile")
}
