import Foundation
import Media
import Models
import Torch

/// The student's input: each flow field colour-coded with the Middlebury wheel, normalised by
/// its own largest motion (as ViMoCLIP does), as uint8 RGB, then normalised exactly like CLIP's
/// image input. ViMoCLIP's code passes float colours through `to_pil_image`, which corrupts
/// them; here the colours are proper 0–255 bytes.
enum FlowImages {
    static func tensor(flow: [Float], count: Int, height: Int, width: Int, device: Device) throws -> Tensor {
        let plane = height * width
        var pixels = [UInt8]()
        pixels.reserveCapacity(count * plane * 3)
        for k in 0..<count {
            let base = k * 2 * plane
            pixels += FlowColor.image(u: Array(flow[base..<(base + plane)]), v: Array(flow[(base + plane)..<(base + 2 * plane)]),
                                      width: width, height: height, normalization: .perFrameMaximum)
        }
        return try CLIPVision.preprocess(Tensor(pixels, shape: [count, height, width, 3]).to(device))
    }
}
