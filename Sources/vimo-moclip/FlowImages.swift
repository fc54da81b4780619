import Foundation
import Media
import Models
import StageCLI
import Torch

/// The student's input: each flow field colour-coded with the Middlebury wheel, normalised by
/// its own largest motion (as ViMoCLIP does), as uint8 RGB, then normalised exactly like CLIP's
/// image input. ViMoCLIP's code passes float colours through `to_pil_image`, which corrupts
/// them; here the colours are proper 0–255 bytes.
enum FlowImages {
    /// `source` names the rows in errors (`rows 0..<8 of …/shard-w0-000001.h5`).
    static func tensor(flow: [Float], count: Int, height: Int, width: Int, device: Device, source: String) throws -> Tensor {
        // The colour coding draws a NaN or infinite vector as "no motion", so damaged flow would pass
        // as still frames: refuse it here instead.
        var nan = 0, infinite = 0
        for value in flow where !value.isFinite {
            if value.isNaN { nan += 1 } else { infinite += 1 }
        }
        guard nan == 0, infinite == 0 else { throw NonFiniteFlow(source: source, nan: nan, infinite: infinite, values: flow.count) }
        let plane = height * width
        var pixels = [UInt8]()
        pixels.reserveCapacity(count * plane * 3)
        for k in 0..<count {
            let base = k * 2 * plane
            pixels += FlowColor.image(u: Array(flow[base..<(base + plane)]), v: Array(flow[(base + plane)..<(base + 2 * plane)]),
                                      width: width, height: height, normalization: normalization)
        }
        return try CLIPVision.preprocess(Tensor(pixels, shape: [count, height, width, 3]).to(device))
    }
}

/// Upstream flow rows that hold values that are not numbers.
struct NonFiniteFlow: Error, LocalizedError {
    var source: String
    var nan: Int
    var infinite: Int
    var values: Int

    var errorDescription: String? {
        "upstream flow \(source) holds non-finite values: \(nan) NaN, \(infinite) Inf of \(NonFiniteRows.grouped(values)); "
            + "the flow shard is damaged: recompute it (vimo verify sets damaged shards aside)"
    }
}
