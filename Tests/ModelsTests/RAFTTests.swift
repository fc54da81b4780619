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
