import Foundation
import Media
import Models
import TestSupport
import Torch
import XCTest

/// CLIPVision against OpenAI's own model code (clip-anytorch's clip/model.py) with the same seeded
/// weights on real frames, loaded from every published checkpoint layout.
final class CLIPTests: XCTestCase {
    static let frameCount = 4
    static let fixture: Result<(frames: Tensor, folder: URL), Error> = Result {
        let wheel = TestSupport.repositoryRoot.appendingPathComponent("data/.pip/clip_anytorch-2.6.0-py3-none-any.whl")
        guard FileManager.default.fileExists(atPath: wheel.path), FileManager.default.fileExists(atPath: TestSupport.bigBuckBunny.path) else {
            throw TorchError.invalidArgument("the CLIP reference wheel or Big Buck Bunny is missing: run `make bootstrap`")
        }
        let decoded = try VideoDecoder(url: TestSupport.bigBuckBunny).decodeFrames(.indices([0, 40, 80, 120])).frames
        let bytes = decoded.flatMap(\.pixels)
        let folder = try TestSupport.temporaryFolder("clip-reference")
        let raw = folder.appendingPathComponent("frames.u8")
        try Data(bytes).write(to: raw)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/make_clip_reference.py")
        let result = try TestSupport.run("/usr/bin/python3", [script.path, folder.path, wheel.path, raw.path, "\(frameCount)"])
        guard result.status == 0 else { throw TorchError.invalidArgument("make_clip_reference.py failed: \(result.stderr)") }
        return (try Tensor(bytes, shape: [frameCount, 224, 224, 3]), folder)
    }

    func assertMatches(_ name: String, patch: Int, file: String) throws {
        let (frames, folder) = try Self.fixture.get()
        let model = try CLIPVision(.init(patch: patch, width: 64, layers: 2, heads: 2, output: 32))
        try model.load(CLIPWeights.load(folder.appendingPathComponent(file)))   // strict: names and shapes
        let expected = try Tensor.from(NamedArrays(base: folder.appendingPathComponent(name)).entries["embeddings"]!)
        let got = try Torch.withoutGrad { try model(CLIPVision.preprocess(frames)) }
        let cosine = try F.cosineSimilarity(got, expected, dim: 1).toArray(Float.self)
        XCTAssertEqual(cosine.count, Self.frameCount)
        for (i, c) in cosine.enumerated() { XCTAssertGreaterThanOrEqual(c, 0.9999, "\(file) frame \(i)") }
        try assertClose(got, expected, tolerance: 1e-4, file)
    }

    func testTinyFromEveryLayout() throws {
        for file in ["tiny.pth", "tiny_openai.pth", "tiny_scripted.pt", "tiny_hf.pth"] {
            try assertMatches("tiny", patch: 32, file: file)
        }
    }

    func testPatch16() throws { try assertMatches("patch16", patch: 16, file: "patch16_openai.pth") }

    func testMismatchedWeightsAreNamed() throws {
        let (_, folder) = try Self.fixture.get()
        let wrong = try CLIPVision(.init(patch: 16, width: 64, layers: 2, heads: 2, output: 32))   // tiny weights are patch 32
        XCTAssertThrowsError(try wrong.load(CLIPWeights.load(folder.appendingPathComponent("tiny.pth")))) { error in
            XCTAssertTrue(error.localizedDescription.contains("conv1.weight"), error.localizedDescription)
            XCTAssertTrue(error.localizedDescription.contains("positional_embedding"), error.localizedDescription)
        }
    }

    func testPublishedConfigurations() throws {
        XCTAssertEqual(CLIPVision.Config.named("vit-b32"), .vitB32)
        XCTAssertEqual(try CLIPVision(.vitB32).parameterCount, 87_849_216, "OpenAI ViT-B/32 visual tower")
    }
}
