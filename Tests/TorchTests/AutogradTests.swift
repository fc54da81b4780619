import Foundation
import TestSupport
import Torch
import XCTest

/// Gradients against central finite differences, in float64.
final class AutogradTests: XCTestCase {
    func testCompositeGradientMatchesFiniteDifferences() throws {
        Torch.seed(3)
        let x = try Tensor.randn([3, 4], dtype: .float64)
        let w = try Tensor.randn([5, 4], dtype: .float64)
        let b = try Tensor.randn([5], dtype: .float64)
        let c = try Tensor.randn([3, 5], dtype: .float64)
        func f(_ x: Tensor) throws -> Tensor {
            let h = try F.layerNorm(F.linear(x, w, b), normalizedShape: [5], weight: nil, bias: nil)
            return try (F.softmax(h.gelu() * c, dim: 1) * c).sum() + x.tanh().square().mean()
        }
        let input = try x.clone()
        input.requiresGrad = true
        try f(input).backward()
        let analytic = try XCTUnwrap(input.grad).toArray(Double.self)

        var values = try x.toArray(Double.self)
        let h = 1e-6
        for i in values.indices {
            let original = values[i]
            values[i] = original + h
            let plus = try f(Tensor(values, shape: [3, 4])).item()
            values[i] = original - h
            let minus = try f(Tensor(values, shape: [3, 4])).item()
            values[i] = original
            XCTAssertEqual(analytic[i], (plus - minus) / (2 * h), accuracy: 1e-6, "d f / d x[\(i)]")
        }
    }

    func testNoGradScopeAndDetach() throws {
        let a = try Tensor([1, 2, 3] as [Float])
        a.requiresGrad = true
        let inside = try Torch.withoutGrad { try a * 2 }
        XCTAssertFalse(inside.requiresGrad)
        XCTAssertTrue(try (a * 2).requiresGrad)
        XCTAssertFalse(try a.detached().requiresGrad)
        XCTAssertNil(a.grad)
        try (a * a).sum().backward()
        XCTAssertEqual(try XCTUnwrap(a.grad).toArray(Float.self), [2, 4, 6])
        a.zeroGrad()
        XCTAssertNil(a.grad)
    }

    func testGradientClippingScalesToTheNorm() throws {
        let a = try Tensor([3, 0] as [Float]), b = try Tensor([4] as [Float])
        a.requiresGrad = true; b.requiresGrad = true
        try ((a * a).sum() * 0.5 + (b * b).sum() * 0.5).backward()  // grads = (3, 0), (4): norm 5
        XCTAssertEqual(try clipGradNorm([a, b], maxNorm: 1), 5, accuracy: 1e-6)
        XCTAssertEqual(try a.grad!.toArray(Float.self)[0], 0.6, accuracy: 1e-5)
        XCTAssertEqual(try b.grad!.toArray(Float.self)[0], 0.8, accuracy: 1e-5)
    }
}
