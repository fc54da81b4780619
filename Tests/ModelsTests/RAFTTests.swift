import Foundation
import Media
import Models
import TestSupport
import Torch
import XCTest

/// RAFT against torchvision's raft_large / raft_small with the same (seeded random) weights
/// on real frames (Big Buck Bunny), within 1e-3 px.
final class RAFTTests: XCTestCase {
    static let frameCount = 3
    /// Real frames and the reference folder, made once per test process.
    static let fixture: Result<(frames: Tensor, folder: URL), Error> = Result {
        let url = TestSupport.bigBuckBunny
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TorchError.invalidArgument("\(url.path) is missing: run `make bootstrap`")
        }
        let decoded = try VideoDecoder(url: url).decodeFrames(.indices([60, 61, 62])).frames
        let bytes = decoded.flatMap(\.pixels)
        let folder = try TestSupport.temporaryFolder("raft-reference")
        let raw = folder.appendingPathComponent("frames.u8")
        try Data(bytes).write(to: raw)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/make_raft_reference.py")
        let result = try TestSupport.run("/usr/bin/python3", [script.path, folder.path, raw.path, "\(frameCount)", "224", "224"])
        guard result.status == 0 else {
            throw TorchError.invalidArgument("make_raft_reference.py failed (python3-torchvision installed?): \(result.stderr)")
        }
        return (try Tensor(bytes, shape: [frameCount, 224, 224, 3]), folder)
    }

    func load(_ variant: RAFT.Variant) throws -> (model: RAFT, flow: Tensor) {
        let (_, folder) = try Self.fixture.get()
        let arrays = try NamedArrays(base: folder.appendingPathComponent("raft_\(variant.rawValue)"))
        var weights: [String: Tensor] = [:]
        for (name, entry) in arrays.entries where name.hasPrefix("weights/") {
            weights[String(name.dropFirst("weights/".count))] = try Tensor.from(entry)
        }
        let model = try RAFT(variant)
        try model.load(weights)  // strict: every torchvision key, no extras, same shapes
        return (model, try Tensor.from(arrays.entries["flow"]!))
    }

    func assertMatchesTorchvision(_ variant: RAFT.Variant) throws {
        let (model, expected) = try load(variant)
        let (frames, _) = try Self.fixture.get()
        let (images, padding) = try RAFT.prepare(frames)
        XCTAssertEqual(padding, [0, 0, 0, 0])
        let n = Self.frameCount - 1
        try Torch.withoutGrad {
            let perPair = try model(images.slice(0, 0, n), images.slice(0, 1, n + 1), iterations: 12)
            try assertClose(perPair, expected, tolerance: 1e-3, "\(variant) per pair")
            let video = try model.videoFlow(images, iterations: 12, batch: 1)
            try assertClose(video, expected, tolerance: 1e-3, "\(variant) video path, batch 1 (feature reuse across chunks)")
            let magnitude = try expected.abs().max().item()
            XCTAssertGreaterThan(magnitude, 0.01, "the reference flow is not trivially zero")
        }
    }

    func testRAFTLargeMatchesTorchvision() throws { try assertMatchesTorchvision(.large) }
    func testRAFTSmallMatchesTorchvision() throws { try assertMatchesTorchvision(.small) }

    func testPaddingToMultiplesOfEightRoundTrips() throws {
        let frames = try Tensor([UInt8](repeating: 7, count: 2 * 30 * 45 * 3), shape: [2, 30, 45, 3])
        let (images, padding) = try RAFT.prepare(frames)
        XCTAssertEqual(images.shape, [2, 3, 32, 48])
        XCTAssertEqual(padding, [1, 2, 1, 1])
        XCTAssertEqual(try RAFT.unpad(images, padding: padding).shape, [2, 3, 30, 45])
        XCTAssertEqual(try images.min().item(), 7.0 / 255 * 2 - 1, accuracy: 1e-6, "replicate padding keeps edge values")
    }

    func testWrongWeightsAreRefusedByName() throws {
        let model = try RAFT(.small)
        var weights = model.stateDict()
        weights["update_block.flow_head.conv2.weight"] = nil
        weights["fnet.conv1.weight"] = try Tensor.zeros([1])
        XCTAssertThrowsError(try model.load(weights)) { error in
            XCTAssertTrue(error.localizedDescription.contains("update_block.flow_head.conv2.weight"), error.localizedDescription)
            XCTAssertTrue(error.localizedDescription.contains("fnet.conv1.weight"))
        }
    }
}

/// Checkpoint files and names: torchvision's .pth loads unchanged; princeton-vl names are mapped.
final class RAFTWeightsTests: XCTestCase {
    func testTorchvisionPthLoadsUnchanged() throws {
        let (_, folder) = try RAFTTests.fixture.get()
        for variant in RAFT.Variant.allCases {
            let model = try RAFT(variant)
            try model.load(RAFTWeights.load(folder.appendingPathComponent("raft_\(variant.rawValue).pth")))
            let arrays = try NamedArrays(base: folder.appendingPathComponent("raft_\(variant.rawValue)"))
            for (name, t) in model.namedTensors() {
                let expected = try Tensor.from(arrays.entries["weights/" + name]!)
                XCTAssertTrue(try t.eq(expected).logicalNot().sum().item() == 0, "\(variant) \(name)")
            }
        }
    }

    func testOriginalNamesAreMapped() {
        let pairs = [
            ("module.fnet.conv1.weight", "feature_encoder.convnormrelu.0.weight"),
            ("module.cnet.norm1.running_mean", "context_encoder.convnormrelu.1.running_mean"),
            ("module.fnet.layer2.0.conv1.bias", "feature_encoder.layer2.0.convnormrelu1.0.bias"),
            ("module.cnet.layer3.1.norm2.weight", "context_encoder.layer3.1.convnormrelu2.1.weight"),
            ("module.cnet.layer2.0.downsample.1.running_var", "context_encoder.layer2.0.downsample.1.running_var"),
            ("module.fnet.conv2.weight", "feature_encoder.conv.weight"),
            ("module.update_block.encoder.convc1.weight", "update_block.motion_encoder.convcorr1.0.weight"),
            ("module.update_block.encoder.convf2.bias", "update_block.motion_encoder.convflow2.0.bias"),
            ("module.update_block.encoder.conv.weight", "update_block.motion_encoder.conv.0.weight"),
            ("module.update_block.gru.convz1.weight", "update_block.recurrent_block.convgru1.convz.weight"),
            ("module.update_block.gru.convq2.bias", "update_block.recurrent_block.convgru2.convq.bias"),
            ("module.update_block.gru.convr.weight", "update_block.recurrent_block.convgru1.convr.weight"),
            ("module.update_block.flow_head.conv2.weight", "update_block.flow_head.conv2.weight"),
            ("module.update_block.mask.0.weight", "mask_predictor.convrelu.0.weight"),
            ("module.update_block.mask.2.bias", "mask_predictor.conv.bias"),
            ("feature_encoder.layer1.0.convnormrelu1.0.weight", "feature_encoder.layer1.0.convnormrelu1.0.weight"),
        ]
        for (original, torchvision) in pairs { XCTAssertEqual(RAFTWeights.rename(original), torchvision, original) }
    }

    func testDuplicatedShortcutNormIsDropped() throws {
        let t = try Tensor.zeros([2])
        let weights = ["cnet.layer2.0.norm3.weight": t, "cnet.layer2.0.downsample.1.weight": t,
                       "cnet.layer2.0.conv1.weight": t, "cnet.layer2.0.norm1.weight": t]
        XCTAssertEqual(Set(RAFTWeights.sanitize(weights).keys),
                       ["context_encoder.layer2.0.downsample.1.weight", "context_encoder.layer2.0.convnormrelu1.0.weight",
                        "context_encoder.layer2.0.convnormrelu1.1.weight"])
    }
}
