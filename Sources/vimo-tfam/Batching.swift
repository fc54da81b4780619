import Core
import Foundation
import Media
import Torch

/// One padded mini-batch of paired sequences.
struct Batch {
    var rgb: Tensor, rgbMask: Tensor
    var motion: Tensor, motionMask: Tensor
    var labels: Tensor
}

/// Builds padded batches from the two sequence sets.
struct Batcher {
    let clip: SequenceSet
    let motion: SequenceSet
    let labels: [String: [UInt8]]
    let maxFrames: Int?
    let aligned: Bool        // concat-embedding needs frame-by-frame pairs
    let device: Device

    /// (rgb, motion) value tensors of one item, aligned by frame index when asked, capped to maxFrames.
    func pair(_ id: String) throws -> (Tensor, Tensor) {
        let a = clip.sequences[id]!, b = motion.sequences[id]!
        var rgb = a.values, mot = b.values
        if aligned {
            let positions = Dictionary(a.frames.enumerated().map { ($1, $0) }, uniquingKeysWith: { x, _ in x })
            let common = b.frames.enumerated().compactMap { j, f in positions[f].map { ($0, j) } }
            rgb = try rgb.indexSelect(0, Tensor(common.map { Int64($0.0) }))
            mot = try mot.indexSelect(0, Tensor(common.map { Int64($0.1) }))
        }
        return (try cap(rgb), try cap(mot))
    }

    private func cap(_ t: Tensor) throws -> Tensor {
        guard let maxFrames, t.shape[0] > maxFrames else { return t }
        let picks = FrameSelection.segmentCentres(frameCount: t.shape[0], samples: maxFrames).map(Int64.init)
        return try t.indexSelect(0, Tensor(picks))
    }

    func batch(_ ids: [String]) throws -> Batch {
        let pairs = try ids.map(pair)
        let (rgb, rgbMask) = try pad(pairs.map(\.0))
        let (mot, motMask) = try pad(pairs.map(\.1))
        let k = labels[ids[0]]!.count
        let y = try Tensor(ids.flatMap { labels[$0]!.map(Float.init) }, shape: [ids.count, k])
        return Batch(rgb: try rgb.to(device, dtype: .float32), rgbMask: try rgbMask.to(device),
                     motion: try mot.to(device, dtype: .float32), motionMask: try motMask.to(device),
                     labels: try y.to(device))
    }

    /// Stacks (T_i, D) sequences into (N, T_max, D) with a (N, T_max) mask, true at padding.
    private func pad(_ sequences: [Tensor]) throws -> (Tensor, Tensor) {
        let longest = max(1, sequences.map { $0.shape[0] }.max() ?? 1)
        let padded = try sequences.map { s -> Tensor in
            s.shape[0] == longest ? s : try s.padded([0, 0, 0, longest - s.shape[0]])
        }
        // An empty sequence (a one-frame video has no flow) becomes one zero token, so attention stays defined.
        let mask = try sequences.map { s -> Tensor in
            try Tensor.arange(0, Double(longest)).gt(Double(max(1, s.shape[0])) - 0.5)
        }
        return (try Tensor.stack(padded), try Tensor.stack(mask))
    }
}
