import Foundation
@testable import Models
import TestSupport
import Torch
import XCTest

/// TFAM's pieces with known values: pooling, positional encodings, masking, checkpoint names.
final class TFAMModelTests: XCTestCase {
    func testPoolingOverValidPositionsOrAll() throws {
        let x = try Tensor([1, 1, 3, 3, 100, 100] as [Float], shape: [1, 3, 2])
        let mask = try Tensor([false, false, true] as [Bool], shape: [1, 3])
        let valid = try TFAM(TFAMConfig(dim: 2, layers: 1, heads: 1, feedForward: 4, classes: 3))
        XCTAssertEqual(try valid.pool(x, mask: mask).toArray(Float.self), [2, 2], "mean of the two valid rows")
        let viMoCLIP = try TFAM(TFAMConfig(dim: 2, layers: 1, heads: 1, feedForward: 4, classes: 3, poolPadding: true))
        XCTAssertEqual(try viMoCLIP.pool(x, mask: mask).toArray(Float.self), [104.0 / 3, 104.0 / 3], "padding averaged too")
    }

    func testSinusoidalEncodingKnownValues() throws {
        let pe = try TFAM.sinusoid(length: 3, width: 4).toArray(Float.self)
        XCTAssertEqual(Array(pe[0..<4]), [0, 1, 0, 1])
        XCTAssertEqual(pe[4], Float(Foundation.sin(1.0)), accuracy: 1e-6)
        XCTAssertEqual(pe[5], Float(Foundation.cos(1.0)), accuracy: 1e-6)
        XCTAssertEqual(pe[6], Float(Foundation.sin(1.0 / 100)), accuracy: 1e-6)   // 10000^(2/4) = 100
    }

    func testPaddingDoesNotChangeTheScores() throws {
        Torch.seed(2)
        for fusion in Fusion.allCases {
            let model = try TFAM(TFAMConfig(dim: 8, layers: 2, heads: 2, feedForward: 16, classes: 3, fusion: fusion))
            model.eval()
            let rgb = try Tensor.randn([1, 5, 8]), motion = try Tensor.randn([1, 5, 8])
            let noMask = try Tensor.zeros([1, 5], dtype: .bool)
            let short = try model(rgb: rgb, rgbMask: noMask, motion: motion, motionMask: noMask)
            // The same clip padded with 3 garbage rows, masked out.
            let padMask = try Tensor([false, false, false, false, false, true, true, true] as [Bool], shape: [1, 8])
            let long = try model(rgb: Tensor.cat([rgb, Tensor.randn([1, 3, 8]) * 50], dim: 1), rgbMask: padMask,
                                 motion: Tensor.cat([motion, Tensor.randn([1, 3, 8]) * 50], dim: 1), motionMask: padMask)
            try assertClose(long, short, tolerance: 1e-4, "\(fusion)")
        }
    }

    func testCrossFusionNamesFollowTransformerDecoderLayer() throws {
        let names = Set(try TFAM(TFAMConfig(dim: 8, layers: 1, heads: 2, feedForward: 16, classes: 3)).namedTensors().map(\.name))
        for key in ["layers.0.self_attn.in_proj_weight", "layers.0.multihead_attn.out_proj.weight", "layers.0.linear1.weight",
                    "layers.0.norm3.bias", "head.0.weight", "head.1.weight", "head.4.bias"] {
            XCTAssertTrue(names.contains(key), key)
        }
    }
}
