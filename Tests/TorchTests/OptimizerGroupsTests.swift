import Foundation
import Torch
import XCTest

/// AdamW over parameter groups, and autocast.
final class OptimizerGroupsTests: XCTestCase {
    /// Adam's first step moves every element by lr · g / (|g| + ε) (both moments bias-corrected), after the decoupled
    /// decay p ← p · (1 − lr · wd): each group with its own lr and weight decay, and `setLearningRate` keeps the multiples.
    func testEachGroupStepsWithItsOwnRateAndDecay() throws {
        let a = try Tensor([1, -2] as [Float], shape: [2]), b = try Tensor([3, 4] as [Float], shape: [2])
        a.requiresGrad = true
        b.requiresGrad = true
        let optimizer = try Optimizer.adamW(groups: [.init(parameters: [a], lrScale: 1, weightDecay: 0.5),
                                                     .init(parameters: [b], lrScale: 10, weightDecay: 0)], lr: 0.01)
        XCTAssertEqual(optimizer.groupScales, [1, 10])
        let loss = try (a * a).sum() + (b * 3).sum()  // ∂/∂a = 2a, ∂/∂b = 3
        try loss.backward()
        try optimizer.step()
        let eps = 1e-8
        func expected(_ p: Double, _ g: Double, lr: Double, wd: Double) -> Double { p * (1 - lr * wd) - lr * g / (abs(g) + eps) }
        let newA = try a.toArray(Float.self), newB = try b.toArray(Float.self)
        XCTAssertEqual(Double(newA[0]), expected(1, 2, lr: 0.01, wd: 0.5), accuracy: 1e-6)
        XCTAssertEqual(Double(newA[1]), expected(-2, -4, lr: 0.01, wd: 0.5), accuracy: 1e-6)
        XCTAssertEqual(Double(newB[0]), expected(3, 3, lr: 0.1, wd: 0), accuracy: 1e-6)
        XCTAssertEqual(Double(newB[1]), expected(4, 3, lr: 0.1, wd: 0), accuracy: 1e-6)

        // A new base rate: group 2 keeps its multiple (a step with 10× the rate moves b ten times as far as a's share).
        try optimizer.setLearningRate(0.001)
        XCTAssertEqual(optimizer.learningRate, 0.001)
        try optimizer.zeroGrad()
        let before = try b.toArray(Float.self)
        try ((b * 3).sum()).backward()
        try optimizer.step()
        let moved = try zip(before, b.toArray(Float.self)).map { Double($0 - $1) }
        for m in moved { XCTAssertEqual(m, 0.01, accuracy: 2e-4, "≈ 10 × 0.001 per step for a constant gradient") }
    }

    func testNoGroupsIsAnError() {
        XCTAssertThrowsError(try Optimizer.adamW(groups: [], lr: 0.1))
    }

    /// Under autocast a matrix product computes in bf16 and the result says so; outside, float32. A layer norm with
    /// float32 weights takes the bf16 result and returns float32 (libtorch 1.13's CPU autocast leaves layer_norm out).
    func testAutocastComputesMatrixProductsInBFloat16() throws {
        Torch.seed(1)
        let x = try Tensor.randn([4, 8]), w = try Tensor.randn([8, 8])
        let inside = try Torch.autocast(.bfloat16, on: .cpu) { try F.matmul(x, w) }
        XCTAssertEqual(inside.dtype, .bfloat16)
        XCTAssertEqual(try F.matmul(x, w).dtype, .float32, "autocast ends with its region")
        XCTAssertEqual(try Torch.autocast(nil, on: .cpu) { try F.matmul(x, w) }.dtype, .float32, "nil: as it is")
        let full = try F.matmul(x, w).toArray(Float.self), half = try inside.to(.float32).toArray(Float.self)
        for (a, b) in zip(full, half) { XCTAssertEqual(a, b, accuracy: 0.05 * max(1, abs(a))) }
        let norm = try LayerNorm(8)
        let normalised = try Torch.autocast(.bfloat16, on: .cpu) { try norm(F.matmul(x, w)) }
        XCTAssertEqual(normalised.dtype, .float32)
    }
}
