import Foundation
import Models
import Torch

// vimo's side of bench/tfam.sh: one training epoch of TFAM (cross fusion, the paper's sizes:
// 4 layers, d=512, 8 heads, FF 2048) on Animal Kingdom-shaped clips (150 CLIP rows, 149 motion
// rows, 512-d), batch 8, AdamW + BCE. The anchor is the same loop in PyTorch (bench/tfam_anchor.py).

let env = ProcessInfo.processInfo.environment
let clips = Int(env["CLIPS"] ?? "") ?? 32
let batch = 8, frames = 150, dim = 512, classes = 140
Torch.seed(0)
let model = try TFAM(TFAMConfig(classes: classes))
model.train()
let optimizer = try Optimizer.adamW(model.parameters(), lr: 1e-4, weightDecay: 0.1)
let rgb = try Tensor.randn([clips, frames, dim]), motion = try Tensor.randn([clips, frames - 1, dim])
let labels = try Tensor.rand([clips, classes]).gt(0.97).to(.float32)
// Variable lengths as in real data: clip i has 150 − (i mod 30) valid frames.
let lengths = (0..<clips).map { frames - $0 % 30 }
let rgbMask = try Tensor.stack(lengths.map { try Tensor.arange(0, Double(frames)).gt(Double($0) - 0.5) })
let motionMask = try Tensor.stack(lengths.map { try Tensor.arange(0, Double(frames - 1)).gt(Double($0 - 1) - 0.5) })

func epoch() throws {
    for start in stride(from: 0, to: clips, by: batch) {
        let end = min(start + batch, clips)
        try optimizer.zeroGrad()
        let logits = try model(rgb: rgb.slice(0, start, end), rgbMask: rgbMask.slice(0, start, end),
                               motion: motion.slice(0, start, end), motionMask: motionMask.slice(0, start, end))
        try F.binaryCrossEntropyWithLogits(logits, labels.slice(0, start, end)).backward()
        try optimizer.step()
    }
}
try epoch()  // warm-up
let start = DispatchTime.now().uptimeNanoseconds
try epoch()
let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
print(String(format: "swift tfam_epoch %.3f s  %.2f clips/s", seconds, Double(clips) / seconds))
