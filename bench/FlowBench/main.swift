import Foundation
import Models
import Torch
import Vision

// vimo's side of bench/flow.sh: RAFT pairs/s on a 224² video (feature reuse across pairs)
// and DIS pairs/s. The anchor is torchvision's per-pair RAFT (bench/flow_anchor.py).

let env = ProcessInfo.processInfo.environment
let pairs = Int(env["PAIRS"] ?? "") ?? 8
let iterations = Int(env["ITERS"] ?? "") ?? 12
let repeats = Int(env["REPEAT"] ?? "") ?? 2

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

Torch.seed(0)
let frames = try (Tensor.rand([pairs + 1, 224, 224, 3]) * 255).to(.uint8)
let (images, _) = try RAFT.prepare(frames)
for variant in RAFT.Variant.allCases {
    let model = try RAFT(variant)
    let best = try Torch.withoutGrad {
        _ = try model.videoFlow(images.slice(0, 0, 2), iterations: 1)
        return try (0..<repeats).map { _ in try seconds { _ = try model.videoFlow(images, iterations: iterations, batch: pairs) } }.min()!
    }
    print(String(format: "swift raft_%@ %.3f pairs/s", variant.rawValue, Double(pairs) / best))
}
let bytes = try frames.toArray(UInt8.self)
let size = 224 * 224 * 3
for preset in DISOpticalFlow.Preset.allCases {
    let dis = try DISOpticalFlow(preset: preset)
    let time = try seconds {
        for t in 0..<pairs {
            _ = try dis.flow(from: Array(bytes[(t * size)..<((t + 1) * size)]), to: Array(bytes[((t + 1) * size)..<((t + 2) * size)]),
                             width: 224, height: 224)
        }
    }
    print(String(format: "swift dis_%@ %.1f pairs/s", preset.rawValue, Double(pairs) / time))
}
