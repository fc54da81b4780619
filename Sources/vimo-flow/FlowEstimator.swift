import Core
import Foundation
import Models
import Store
import Torch
import Vision

/// Computes flow for consecutive frames of one video: `count` RGB24 frames in, (count−1)
/// fields of float16 (2, H, W) out, as raw bytes in Store's row layout.
protocol FlowEstimator {
    /// Identity of the weights (a digest), part of the stage parameters.
    var weightsDigest: String { get }
    /// Flow of the `count - 1` consecutive pairs; `progress(done, total)` is told the pairs done so far.
    func flow(frames: [UInt8], count: Int, height: Int, width: Int, progress: (Int, Int) -> Void) throws -> [UInt8]
}

/// RAFT through libtorch, each frame encoded once.
final class RAFTEstimator: FlowEstimator {
    let model: RAFT
    let iterations: Int
    let batch: Int
    let device: Device
    let weightsDigest: String

    init(variant: RAFT.Variant, weights: String, iterations: Int, batch: Int, device: Device) throws {
        let source = try WeightsSource(parsing: weights)
        model = try source.build({ try RAFT(variant) }, load: RAFTWeights.load)
        weightsDigest = try source.identity()
        try model.to(device: device)
        model.eval()
        self.iterations = iterations
        self.batch = batch
        self.device = device
    }

    func flow(frames: [UInt8], count: Int, height: Int, width: Int, progress: (Int, Int) -> Void) throws -> [UInt8] {
        guard count >= 2 else { return [] }
        return try Torch.withoutGrad {
            let pixels = try Tensor(frames, shape: [count, height, width, 3]).to(device)
            let (images, padding) = try RAFT.prepare(pixels)
            let flow = try withoutActuallyEscaping(progress) { progress in
                try RAFT.unpad(model.videoFlow(images, iterations: iterations, batch: batch, progress: progress), padding: padding)
            }
            return try flow.to(.float16).bytes()
        }
    }
}

/// OpenCV DIS on the CPU: no weights, frames/s instead of seconds per pair.
final class DISEstimator: FlowEstimator {
    let dis: DISOpticalFlow
    let weightsDigest = ""

    init(preset: String) throws {
        dis = try DISOpticalFlow(preset: DISOpticalFlow.Preset(rawValue: preset) ?? .fast)
    }

    func flow(frames: [UInt8], count: Int, height: Int, width: Int, progress: (Int, Int) -> Void) throws -> [UInt8] {
        guard count >= 2 else { return [] }
        let size = height * width * 3
        var out = [UInt8]()
        out.reserveCapacity((count - 1) * 2 * height * width * 2)
        for t in 0..<(count - 1) {
            let field = try dis.flow(from: Array(frames[(t * size)..<((t + 1) * size)]),
                                     to: Array(frames[((t + 1) * size)..<((t + 2) * size)]), width: width, height: height)
            HalfNarrowing.narrow(field).withUnsafeBytes { out.append(contentsOf: $0) }  // little-endian on every target
            progress(t + 1, count - 1)
        }
        return out
    }
}
