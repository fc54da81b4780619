import Foundation
import TestSupport
@testable import Torch
import XCTest

/// NaN and ±∞ in weights: counted by one reduction, rejected at load naming the file and the tensor.
final class FiniteWeightsTests: XCTestCase {
    func testCountsNaNAndInfinitiesInEveryFloatingType() throws {
        for dtype in [DType.float32, .float16, .bfloat16, .float64] {
            let t = try Tensor([1, .nan, .infinity, -.infinity, .nan, 2] as [Float], shape: [2, 3]).to(dtype)
            XCTAssertEqual(try t.nonFiniteCount(), NonFiniteCount(nan: 2, positiveInfinity: 1, negativeInfinity: 1), "\(dtype)")
            XCTAssertTrue(try Tensor.randn([4, 5]).to(dtype).nonFiniteCount().isZero, "\(dtype)")
        }
        XCTAssertTrue(try Tensor([Int64](repeating: 7, count: 3)).nonFiniteCount().isZero, "integers are always finite")
    }

    func testASumThatOverflowsIsNotTakenForDamage() throws {
        // 10 × 3e38 overflows float32 (largest 3.4e38): the fast path's sum is +∞, the exact count is zero.
        let big = try Tensor.full([10], 3e38)
        XCTAssertFalse(try big.sum().item().isFinite, "the premise: the sum overflows")
        XCTAssertTrue(try big.nonFiniteCount().isZero)
    }

    func testAWeightsFileHoldingNaNIsRejectedNamingFileAndTensor() throws {
        let folder = try TestSupport.temporaryFolder("finite-weights")
        let file = folder.appendingPathComponent("ViT-B-32.safetensors")
        var weight = [Float](repeating: 0.5, count: 48)
        for i in [3, 9, 27] { weight[i] = .nan }
        weight[40] = .infinity
        try Torch.saveSafetensors(["visual.conv1.weight": try Tensor(weight, shape: [3, 16]),
                                   "visual.ln_pre.bias": try Tensor.zeros([16]),
                                   "visual.proj": try Tensor.full([2], .nan)], to: file)
        XCTAssertThrowsError(try Torch.loadWeights(file)) { error in
            XCTAssertEqual(error as? CheckpointError,
                           .nonFinite(file: file.path, tensor: "visual.conv1.weight", nan: 3, infinite: 1, otherTensors: 1))
            let text = error.localizedDescription
            XCTAssertTrue(text.hasPrefix("\(file.path): tensor visual.conv1.weight holds 3 NaN value(s) and 1 infinite value(s)"), text)
            XCTAssertTrue(text.contains("1 more tensor(s)"), text)
        }
    }

    func testAttentionMasksMayHoldMinusInfinityButNothingElseMay() throws {
        let folder = try TestSupport.temporaryFolder("finite-masks")
        // OpenAI CLIP's TorchScript text tower stores its causal mask with −∞ above the diagonal.
        let mask = try Tensor([0, -.infinity, 0, 0] as [Float], shape: [2, 2])
        let fine = folder.appendingPathComponent("mask.safetensors")
        try Torch.saveSafetensors(["transformer.resblocks.0.attn_mask": mask, "w": try Tensor.ones([2])], to: fine)
        XCTAssertEqual(try Torch.loadWeights(fine).count, 2)

        let positive = folder.appendingPathComponent("positive.safetensors")
        try Torch.saveSafetensors(["transformer.resblocks.0.attn_mask": try Tensor([0, .infinity] as [Float])], to: positive)
        XCTAssertThrowsError(try Torch.loadWeights(positive)) { error in
            XCTAssertTrue(error.localizedDescription.contains("attn_mask holds 1 infinite value(s)"), error.localizedDescription)
        }
        let elsewhere = folder.appendingPathComponent("elsewhere.safetensors")
        try Torch.saveSafetensors(["ln.bias": try Tensor([0, -.infinity] as [Float])], to: elsewhere)
        XCTAssertThrowsError(try Torch.loadWeights(elsewhere))
    }

    func testAWeightMismatchNamesTheWeightsFile() throws {
        let folder = try TestSupport.temporaryFolder("mismatch-file")
        let file = folder.appendingPathComponent("other-model.safetensors")
        try Torch.saveSafetensors(["weight": try Tensor.zeros([2, 5]), "stray": try Tensor.zeros([1])], to: file)
        let layer = try Linear(3, 2)
        XCTAssertThrowsError(try layer.load(contentsOf: file)) { error in
            let text = error.localizedDescription
            XCTAssertTrue(text.hasPrefix("\(file.path): weights do not fit the model"), text)
            XCTAssertTrue(text.contains("missing keys: bias"), text)
            XCTAssertTrue(text.contains("unexpected keys: stray"), text)
            XCTAssertTrue(text.contains("weight (checkpoint [2, 5], model [2, 3])"), text)
        }
        // A mapping loader's own mismatch (a key it needs and cannot find) names the file too.
        XCTAssertThrowsError(try layer.load(contentsOf: file, using: { _ in
            throw TorchError.checkpointMismatch(missing: ["vision_model.post_layernorm.weight"], unexpected: [], mismatched: [])
        })) { error in
            XCTAssertTrue(error.localizedDescription.hasPrefix(file.path), error.localizedDescription)
        }
    }

    func testLongKeyListsAreShortened() {
        let keys = (0..<40).map { "layer.\($0).weight" }
        let text = TorchError.checkpointMismatch(file: "x.pt", missing: keys, unexpected: [], mismatched: []).localizedDescription
        XCTAssertTrue(text.contains("layer.11.weight and 28 more"), text)
        XCTAssertFalse(text.contains("layer.12.weight"), text)
    }
}
