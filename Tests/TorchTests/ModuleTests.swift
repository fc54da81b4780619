import Foundation
import TestSupport
import Torch
import XCTest

/// The module tree: dotted names, loading with key and shape checks, modes, moves.
final class ModuleTests: XCTestCase {
    final class Block: Module {
        let attn: MultiheadAttention
        let ln_1: LayerNorm
        let mlp: Sequential
        init(width: Int = 8) throws {
            attn = try MultiheadAttention(dim: width, heads: 2)
            ln_1 = try LayerNorm(8)
            mlp = Sequential([try Linear(8, 16), Lambda { try $0.gelu() }, try Linear(16, 8)])
        }
    }
    final class Net: Module {
        let layers: [Block]
        let head: Linear
        let norm: BatchNorm2d?
        init(blocks: Int = 2) throws {
            layers = try (0..<blocks).map { _ in try Block() }
            head = try Linear(8, 3, bias: false)
            norm = nil
        }
        override var keyOverrides: [String: String] { ["layers": "resblocks"] }
    }

    func testNamesFollowPyTorchStateDictConventions() throws {
        let names = try Net().namedTensors().map(\.name)
        XCTAssertEqual(names.prefix(8), ["resblocks.0.attn.in_proj_weight", "resblocks.0.attn.in_proj_bias",
                                         "resblocks.0.attn.out_proj.weight", "resblocks.0.attn.out_proj.bias",
                                         "resblocks.0.ln_1.weight", "resblocks.0.ln_1.bias",
                                         "resblocks.0.mlp.0.weight", "resblocks.0.mlp.0.bias"])
        XCTAssertTrue(names.contains("resblocks.1.mlp.2.weight"))
        XCTAssertEqual(names.last, "head.weight")
        XCTAssertEqual(names.count, 2 * 10 + 1)
        XCTAssertEqual(try Net().parameterCount, 2 * (3 * 64 + 24 + 64 + 8 + 16 + 8 * 16 + 16 + 16 * 8 + 8) + 24)
    }

    func testLoadReportsMissingUnexpectedAndMismatchedKeysByName() throws {
        let net = try Net()
        var weights = net.stateDict()
        weights["resblocks.0.ln_1.bias"] = nil
        weights["resblocks.9.extra"] = try Tensor.zeros([1])
        weights["head.weight"] = try Tensor.zeros([4, 8])
        XCTAssertThrowsError(try net.load(weights)) { error in
            guard case TorchError.checkpointMismatch(nil, let missing, let unexpected, let mismatched)? = error as? TorchError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(missing, ["resblocks.0.ln_1.bias"])
            XCTAssertEqual(unexpected, ["resblocks.9.extra"])
            XCTAssertEqual(mismatched, ["head.weight (checkpoint [4, 8], model [3, 8])"])
            XCTAssertTrue(error.localizedDescription.contains("resblocks.0.ln_1.bias"))
        }
    }

    func testLoadCopiesValuesAndConvertsDtype() throws {
        let a = try Net(), b = try Net()
        let halfWeights = try a.stateDict().mapValues { try $0.to(.float16).to(.float32) }
        try b.load(halfWeights)
        for (name, t) in b.namedTensors() {
            XCTAssertEqual(try t.toArray(Float.self), try halfWeights[name]!.toArray(Float.self), name)
        }
        try b.load(try a.stateDict().mapValues { try $0.to(.float64) })
        XCTAssertEqual(b.head.weight.dtype, .float32)
    }

    func testModesFreezingAndMoves() throws {
        let net = try Net()
        XCTAssertTrue(net.layers[1].mlp.training)
        net.eval()
        XCTAssertFalse(net.layers[1].mlp.training)
        XCTAssertGreaterThan(net.parameters().count, 0)
        let count = net.parameterCount
        net.freeze()
        XCTAssertEqual(net.parameters().count, 0)
        XCTAssertEqual(net.parameterCount, count, "frozen parameters still count")
        net.freeze(false)
        try net.to(dtype: .float64)
        XCTAssertEqual(net.head.weight.dtype, .float64)
        XCTAssertTrue(net.head.weight.requiresGrad, "a move keeps parameters trainable")
        let bn = try BatchNorm2d(3)
        bn.freeze(false)
        XCTAssertEqual(bn.parameters().count, 2, "running statistics are buffers, never parameters")
    }

    func testTrainingStepReducesLoss() throws {
        Torch.seed(1)
        let model = Sequential([try Linear(4, 16), Lambda { try $0.relu() }, try Linear(16, 1)])
        let x = try Tensor.randn([64, 4])
        let y = try x.sum([1], keepDims: true).sin()
        let optimizer = try Optimizer.adam(model.parameters(), lr: 0.01)
        let schedule = LearningRateSchedule(base: 0.01, totalSteps: 200, warmupSteps: 10, cosineFloor: 1e-4)
        var first = 0.0, last = 0.0
        for step in 0..<200 {
            try optimizer.setLearningRate(schedule.rate(at: step))
            try optimizer.zeroGrad()
            let loss = try F.mseLoss(model(x), y)
            try loss.backward()
            try optimizer.step()
            if step == 0 { first = try loss.item() }
            last = try loss.item()
        }
        XCTAssertLessThan(last, first * 0.2, "loss \(first) → \(last)")
    }

    func testSeededTrainingIsDeterministic() throws {
        func run() throws -> [Float] {
            Torch.seed(42)
            let model = Sequential([try Linear(6, 32), Dropout(0.3), Lambda { try $0.gelu() }, try Linear(32, 2)])
            let optimizer = try Optimizer.adamW(model.parameters(), lr: 1e-2)
            for _ in 0..<5 {
                try optimizer.zeroGrad()
                let x = try Tensor.randn([16, 6])
                try F.crossEntropy(model(x), x.sum([1]).gt(0).to(.int64)).backward()
                try optimizer.step()
            }
            return try model.namedTensors().flatMap { try $0.tensor.toArray(Float.self) }
        }
        let a = try run()
        XCTAssertEqual(try run(), a, "same seed, same weights after training with dropout")
    }

    func testScheduleShape() {
        let s = LearningRateSchedule(base: 1, totalSteps: 110, warmupSteps: 10, cosineFloor: 0.1)
        XCTAssertEqual(s.rate(at: 0), 0.1, accuracy: 1e-12)
        XCTAssertEqual(s.rate(at: 9), 1, accuracy: 1e-12)
        XCTAssertEqual(s.rate(at: 10), 1, accuracy: 1e-12)
        XCTAssertEqual(s.rate(at: 60), 0.55, accuracy: 1e-12)  // halfway: floor + (1 - floor)/2
        XCTAssertEqual(s.rate(at: 110), 0.1, accuracy: 1e-12)
        XCTAssertEqual(LearningRateSchedule(base: 0.5, totalSteps: 10).rate(at: 7), 0.5)
    }
}

/// Checkpoint round trips through the Torch API.
final class CheckpointRoundTripTests: XCTestCase {
    func testSafetensorsRoundTripEveryDtypeAndOptimizerState() throws {
        let folder = try TestSupport.temporaryFolder("torch-ckpt")
        var tensors: [String: Tensor] = [:]
        for dtype in DType.allCases {
            tensors["t.\(dtype)"] = try (Tensor.arange(0, 6, dtype: .float32).reshaped([2, 3]) - 2).to(dtype)
        }
        let file = folder.appendingPathComponent("all.safetensors")
        try Torch.saveSafetensors(tensors, metadata: ["epoch": "3"], to: file)
        let back = try Torch.loadWeights(file)
        XCTAssertEqual(Set(back.keys), Set(tensors.keys))
        for (name, t) in tensors {
            XCTAssertEqual(back[name]!.dtype, t.dtype, name)
            XCTAssertEqual(back[name]!.shape, [2, 3], name)
            XCTAssertEqual(try back[name]!.toArray(Double.self), try t.toArray(Double.self), name)
        }

        // Optimiser state: 4 uninterrupted AdamW steps equal 2 steps, save, reload into fresh objects, 2 more.
        func model() throws -> Linear { Torch.seed(9); return try Linear(3, 2) }
        let x = try Tensor.randn([4, 3])
        func steps(_ m: Linear, _ o: Optimizer, _ n: Int) throws {
            for _ in 0..<n { try o.zeroGrad(); try m(x).square().sum().backward(); try o.step() }
        }
        let a = try model()
        try steps(a, try Optimizer.adamW(a.parameters(), lr: 0.1), 4)
        let b = try model(), ob = try Optimizer.adamW(b.parameters(), lr: 0.1)
        try steps(b, ob, 2)
        try Torch.saveSafetensors(b.stateDict(), to: folder.appendingPathComponent("b.safetensors"))
        try ob.save(to: folder.appendingPathComponent("opt.pt"))
        let c = try model()
        try c.load(Torch.loadWeights(folder.appendingPathComponent("b.safetensors")))
        let oc = try Optimizer.adamW(c.parameters(), lr: 0.1)
        try oc.load(from: folder.appendingPathComponent("opt.pt"))
        try steps(c, oc, 2)
        XCTAssertEqual(try c.weight.toArray(Float.self), try a.weight.toArray(Float.self), "resumed = uninterrupted")
        let fresh = try model(), of = try Optimizer.adamW(fresh.parameters(), lr: 0.1)
        try fresh.load(b.stateDict()); try steps(fresh, of, 2)
        XCTAssertNotEqual(try fresh.weight.toArray(Float.self), try a.weight.toArray(Float.self), "without the state it differs")
        XCTAssertThrowsError(try oc.load(from: folder.appendingPathComponent("missing.pt")))
    }
}
