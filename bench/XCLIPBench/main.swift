import Foundation
import Models
import Torch

// vimo's side of bench/xclip.sh: X-CLIP (seeded random weights of a published configuration) on
// VIDEOS videos × 8 frames against PROMPTS class prompts — the forward pass (text tower included),
// the forward with the text tower's embeddings computed once (the prompt generator still runs per
// video), and one training step (forward, BCE, backward, AdamW) — the same inputs and work as
// bench/xclip_reference.py does with transformers' XCLIPModel. Prints one JSON line.

let env = ProcessInfo.processInfo.environment
let name = env["CONFIG"] ?? "base-patch32"
let videos = Int(env["VIDEOS"] ?? "") ?? 4, count = Int(env["PROMPTS"] ?? "") ?? 140
let repeats = Int(env["REPEATS"] ?? "") ?? 3
let dtype: DType = env["DTYPE"] == "bf16" ? .bfloat16 : .float32

let config: XCLIP.Config
switch name {
case "base-patch32": config = .base(patch: 32, frames: 8)
case "base-patch16": config = .base(patch: 16, frames: 8)
case "tiny": config = .tiny
default: fatalError("CONFIG must be base-patch32, base-patch16 or tiny")
}
Torch.seed(0)
let model = try XCLIP(config)
try model.to(device: .cpu, dtype: dtype)
let frames = config.frames
let pixels = try Tensor.randn([videos, frames, 3, config.vision.resolution, config.vision.resolution]).to(dtype)
var ids = [Int64](repeating: 0, count: count * 77)
for k in 0..<count { ids.replaceSubrange((k * 77)..<(k * 77 + 4), with: [49406, Int64(320 + k % 400), Int64(1000 + k), 49407]) }
let tokens = try Tensor(ids, shape: [count, 77])
let targets = try Tensor.rand([videos, count]).lt(0.05).to(dtype)

func median(_ body: () throws -> Void) throws -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.sorted()[times.count / 2]
}

model.eval()
let (forward, cached, video) = try Torch.withoutGrad { () -> (Double, Double, Double) in
    let full = try median { _ = try model(pixels, ids: tokens).to(.float32).bytes() }
    let text = try model.encodeText(tokens)
    let reuse = try median { _ = try model.logits(video: pixels, textEmbeddings: text).to(.float32).bytes() }
    let towers = try median { _ = try model.encodeVideo(pixels).patches.to(.float32).bytes() }
    return (full, reuse, towers)
}
model.train()
let optimizer = try Optimizer.adamW(model.parameters(), lr: 1e-6, betas: (0.9, 0.98), eps: 1e-8, weightDecay: 0.001)
let train = try median {
    try optimizer.zeroGrad()
    try F.binaryCrossEntropyWithLogits(model(pixels, ids: tokens), targets).backward()
    try optimizer.step()
}
let parameters = try model.parameters().reduce(0) { $0 + $1.shape.reduce(1, *) }
print("{\"side\": \"vimo\", \"config\": \"\(name)\", \"dtype\": \"\(dtype == .bfloat16 ? "bf16" : "f32")\", \"videos\": \(videos), "
      + "\"frames\": \(frames), \"prompts\": \(count), \"parameters\": \(parameters), \"forward_s\": \(forward), "
      + "\"forward_cached_text_s\": \(cached), \"video_side_s\": \(video), \"train_step_s\": \(train)}")
