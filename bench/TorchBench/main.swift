import Foundation
import Torch

// vimo's side of bench/torch.sh: a ViT-B/32-sized image encoder forward (batch 16, 224²)
// and one training step of a 4-layer d=256 transformer, built from the Torch module.
// The Python anchor (bench/torch_anchor.py) builds the same networks in PyTorch.

final class Block: Module {
    let ln_1: LayerNorm, attn: MultiheadAttention, ln_2: LayerNorm, c_fc: Linear, c_proj: Linear
    let quickGELU: Bool
    init(dim: Int, heads: Int, hidden: Int, quickGELU: Bool) throws {
        ln_1 = try LayerNorm(dim); attn = try MultiheadAttention(dim: dim, heads: heads)
        ln_2 = try LayerNorm(dim); c_fc = try Linear(dim, hidden); c_proj = try Linear(hidden, dim)
        self.quickGELU = quickGELU
    }
    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let h = try ln_1(x)
        let x = try x + attn(h, h, h)
        let m = try c_fc(ln_2(x))
        return try x + c_proj(quickGELU ? m.quickGELU() : m.gelu())
    }
}

final class VisionTransformer: Module {
    let conv1: Conv2d, class_embedding: Tensor, positional_embedding: Tensor, ln_pre: LayerNorm
    let blocks: [Block], ln_post: LayerNorm, proj: Tensor
    init(width: Int = 768, layers: Int = 12, heads: Int = 12, patch: Int = 32, output: Int = 512) throws {
        conv1 = try Conv2d(3, width, kernel: (patch, patch), stride: (patch, patch), bias: false)
        class_embedding = parameter(try Tensor.randn([width]))
        positional_embedding = parameter(try Tensor.randn([(224 / patch) * (224 / patch) + 1, width]))
        ln_pre = try LayerNorm(width)
        blocks = try (0..<layers).map { _ in try Block(dim: width, heads: heads, hidden: 4 * width, quickGELU: true) }
        ln_post = try LayerNorm(width)
        proj = parameter(try Tensor.randn([width, output]))
    }
    func callAsFunction(_ images: Tensor) throws -> Tensor {
        let n = images.shape[0]
        var x = try conv1(images).flattened(from: 2).transposed(1, 2)       // (N, 49, W)
        let cls = try class_embedding.reshaped([1, 1, -1]).expanded([n, 1, class_embedding.shape[0]])
        x = try Tensor.cat([cls, x], dim: 1) + positional_embedding
        x = try ln_pre(x)
        for block in blocks { x = try block(x) }
        return try F.matmul(ln_post(x.select(1, 0)), proj)
    }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let repeats = Int(ProcessInfo.processInfo.environment["REPEAT"] ?? "") ?? 5
Torch.seed(0)
let vit = try VisionTransformer()
vit.eval()
let images = try Tensor.randn([16, 3, 224, 224])
var forward: [Double] = []
try Torch.withoutGrad {
    _ = try vit(images)  // warm-up
    for _ in 0..<repeats { forward.append(try seconds { _ = try vit(images).toArray(Float.self) }) }
}

let encoder = try (0..<4).map { _ in try Block(dim: 256, heads: 8, hidden: 1024, quickGELU: false) }
let head = try Linear(256, 140)
let model = Sequential([head])  // only to gather parameters
let parameters = encoder.flatMap { $0.parameters() } + model.parameters()
let optimizer = try Optimizer.adamW(parameters, lr: 1e-4, weightDecay: 0.1)
let tokens = try Tensor.randn([8, 150, 256]), targets = try Tensor.rand([8, 140]).gt(0.9).to(.float32)
func trainStep() throws {
    try optimizer.zeroGrad()
    var x = tokens
    for block in encoder { x = try block(x) }
    let loss = try F.binaryCrossEntropyWithLogits(head(x.mean([1])), targets)
    try loss.backward()
    try optimizer.step()
}
try trainStep()
var steps: [Double] = []
for _ in 0..<repeats { steps.append(try seconds { try trainStep() }) }

let best = forward.min()!, bestStep = steps.min()!
print(String(format: "swift vit_b32_forward_batch16 %.4f s  %.2f img/s", best, 16 / best))
print(String(format: "swift transformer4_d256_train_step %.4f s", bestStep))
print("threads \(Torch.threads) libtorch \(Torch.version)")
