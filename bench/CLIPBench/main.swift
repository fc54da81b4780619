import Foundation
import Models
import Torch

// vimo's side of bench/clip.sh: CLIP ViT-B/32 images/s (batch 16, 224²) in float32 and bfloat16,
// and one MoCLIP student training step (ViT-B/32, one 30-frame segment). Anchor: OpenAI's
// clip/model.py VisionTransformer in PyTorch (bench/clip_anchor.py).

let env = ProcessInfo.processInfo.environment
let repeats = Int(env["REPEAT"] ?? "") ?? 3
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

Torch.seed(0)
let images = try Tensor.randn([16, 3, 224, 224])
for dtype in [DType.float32, .bfloat16] {
    let model = try CLIPVision(.vitB32)
    try model.to(dtype: dtype)
    let input = try images.to(dtype)
    let best = try Torch.withoutGrad {
        _ = try model(input)
        return try (0..<repeats).map { _ in try seconds { _ = try model(input).to(.float32).toArray(Float.self) } }.min()!
    }
    print(String(format: "swift clip_vitb32_%@ %.2f img/s", dtype == .float32 ? "f32" : "bf16", 16 / best))
}

let student = try MoCLIPStudent(config: .vitB32, classes: 140)
let optimizer = try Optimizer.adam(student.parameters(), lr: 1e-3)
let flowImages = try Tensor.randn([30, 3, 224, 224]), teacher = try Tensor.randn([1, 30, 512])
let labels = try Tensor.rand([1, 140]).gt(0.95).to(.float32), posWeight = try Tensor.full([140], 10)
func step() throws {
    try optimizer.zeroGrad()
    let z = try student.embed(flowImages).unsqueezed(0)
    try student.loss(z: z, teacher: teacher, labels: labels, posWeight: posWeight).loss.backward()
    try optimizer.step()
}
try step()
let stepTime = try (0..<max(1, repeats - 1)).map { _ in try seconds { try step() } }.min()!
print(String(format: "swift moclip_vitb32_step_30frames %.3f s", stepTime))
