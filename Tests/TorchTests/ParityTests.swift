import Foundation
import TestSupport
import Torch
import XCTest

/// Every layer and function against values PyTorch computed for the same inputs.
final class ParityTests: XCTestCase {
    var ref: Reference!
    override func setUpWithError() throws { ref = try Reference.shared.get() }

    func testLinearConvAndPooling() throws {
        try assertClose(F.linear(ref["linear.x"], ref["linear.w"], ref["linear.b"]), ref["linear.y"])
        let y = try F.conv2d(ref["conv.x"], ref["conv.w"], ref["conv.b"], stride: (2, 2), padding: (1, 1))
        try assertClose(y, ref["conv.y"])
        try assertClose(F.avgPool2d(ref["conv.x"], kernel: (2, 2)), ref["conv.avgpool"])
    }

    func testNormalisations() throws {
        try assertClose(F.layerNorm(ref["ln.x"], normalizedShape: [16], weight: ref["ln.w"], bias: ref["ln.b"]), ref["ln.y"])
        let bn = try BatchNorm2d(6)
        try bn.load(["weight": ref["bn.w"], "bias": ref["bn.b"], "running_mean": Tensor.zeros([6]),
                     "running_var": Tensor.ones([6]), "num_batches_tracked": Tensor.zeros([], dtype: .int64)])
        try assertClose(bn(ref["bn.x"]), ref["bn.y_train"], "train")
        try assertClose(bn.running_mean, ref["bn.running_mean"])
        try assertClose(bn.running_var, ref["bn.running_var"])
        XCTAssertEqual(try bn.num_batches_tracked.item(), 1)
        bn.eval()
        try assertClose(bn(ref["bn.x"]), ref["bn.y_eval"], "eval")
        try assertClose(F.groupNorm(ref["bn.x"], groups: 3, weight: ref["bn.w"], bias: ref["bn.b"]), ref["gn.y"])
        try assertClose(InstanceNorm2d()(ref["bn.x"]), ref["in.y"])
    }

    func testActivations() throws {
        let x = ref["act.x"]
        try assertClose(x.gelu(), ref["act.gelu"])
        try assertClose(x.geluTanh(), ref["act.gelu_tanh"])
        try assertClose(x.quickGELU(), ref["act.quick_gelu"])
        try assertClose(F.softmax(x, dim: -1), ref["act.softmax"])
        try assertClose(F.logSoftmax(x, dim: 0), ref["act.log_softmax"])
    }

    func testMultiheadAttentionWithKeyPadding() throws {
        let mha = try MultiheadAttention(dim: 16, heads: 4)
        try mha.load(["in_proj_weight": ref["mha.in_proj_weight"], "in_proj_bias": ref["mha.in_proj_bias"],
                      "out_proj.weight": ref["mha.out_proj.weight"], "out_proj.bias": ref["mha.out_proj.bias"]])
        mha.eval()
        try assertClose(mha(ref["mha.q"], ref["mha.kv"], ref["mha.kv"], keyPaddingMask: ref["mha.pad"]), ref["mha.y"], tolerance: 2e-5)
        let q = ref["mha.q"]
        try assertClose(mha(q, q, q, causal: true), ref["mha.y_causal"], tolerance: 2e-5, "causal")
    }

    func testSamplingAndUnfold() throws {
        try assertClose(F.gridSample(ref["grid.x"], grid: ref["grid.grid"]), ref["grid.y"])
        try assertClose(F.gridSample(ref["grid.x"], grid: ref["grid.grid"], padding: .border, alignCorners: true),
                        ref["grid.y_aligned_border"])
        try assertClose(F.interpolate(ref["grid.x"], size: (9, 13)), ref["interp.y"])
        try assertClose(F.unfold(ref["grid.x"], kernel: (3, 3), padding: (1, 1), stride: (2, 2)), ref["unfold.y"])
    }

    func testLosses() throws {
        try assertClose(F.binaryCrossEntropyWithLogits(ref["bce.logits"], ref["bce.target"], posWeight: ref["bce.pos_weight"]),
                        ref["bce.mean"])
        try assertClose(F.cosineSimilarity(ref["cos.a"], ref["cos.b"], dim: 1), ref["cos.y"])
    }

    func testAdamWMatchesPyTorchAndTheFormula() throws {
        let p = try ref["adamw.p0"].clone()
        p.requiresGrad = true
        let optimizer = try Optimizer.adamW([p], lr: 0.01, betas: (0.9, 0.98), eps: 1e-6, weightDecay: 0.1)
        for i in 0..<3 {
            try optimizer.zeroGrad()
            let g = ref["adamw.g\(i)"]
            try (p * g).sum().backward()  // d/dp sum(p·g) = g
            try optimizer.step()
        }
        try assertClose(p, ref["adamw.p3"], tolerance: 1e-6, "libtorch AdamW vs PyTorch AdamW")

        // The same three steps by the published formula (Loshchilov & Hutter), in Double.
        var theta = try ref["adamw.p0"].toArray(Double.self)
        var m = [Double](repeating: 0, count: theta.count), v = m
        let (lr, b1, b2, eps, wd) = (0.01, 0.9, 0.98, 1e-6, 0.1)
        for t in 1...3 {
            let g = try ref["adamw.g\(t - 1)"].toArray(Double.self)
            for i in theta.indices {
                theta[i] -= lr * wd * theta[i]
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                let mHat = m[i] / (1 - Foundation.pow(b1, Double(t))), vHat = v[i] / (1 - Foundation.pow(b2, Double(t)))
                theta[i] -= lr * mHat / (vHat.squareRoot() + eps)
            }
        }
        try assertClose(p, Tensor(theta.map(Float.init)), tolerance: 1e-6, "AdamW vs the formula")
    }
}
