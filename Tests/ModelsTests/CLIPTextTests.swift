import Foundation
import Models
import TestSupport
import Torch
import XCTest

/// CLIPText against OpenAI's `encode_text` (clip-anytorch's clip/model.py) and transformers 4.49's
/// `CLIPTextModelWithProjection` / `CLIPModel`, with seeded weights, on the 140 Animal Kingdom class names
/// tokenized by OpenAI's tokenizer (Fixtures/make_clip_text_reference.py).
final class CLIPTextTests: XCTestCase {
    static let fixture: Result<URL, Error> = Result {
        let root = TestSupport.repositoryRoot
        let python = root.appendingPathComponent("data/.venv-ref/bin/python")
        let wheel = root.appendingPathComponent("data/.pip/clip_anytorch-2.6.0-py3-none-any.whl")
        let vocab = root.appendingPathComponent("data/samples/bpe_simple_vocab_16e6.txt.gz")
        for file in [python, wheel, vocab] where !FileManager.default.fileExists(atPath: file.path) {
            throw TorchError.invalidArgument("\(file.path) is missing: run `make bootstrap`")
        }
        let folder = try TestSupport.temporaryFolder("clip-text-reference")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/make_clip_text_reference.py")
        let result = try TestSupport.run(python.path, [script.path, folder.path, wheel.path, vocab.path, root.path],
                                         environment: ["HF_HUB_OFFLINE": "1"])
        guard result.status == 0 else { throw TorchError.invalidArgument("make_clip_text_reference.py failed: \(result.stderr)") }
        return folder
    }

    func reference(_ name: String) throws -> Tensor {
        let folder = try Self.fixture.get()
        let arrays = try NamedArrays(base: folder.appendingPathComponent(name))
        return try Tensor.from(arrays.entries[name == "ids" ? "ids" : "embeddings"]!)
    }

    /// cosine ≥ 0.9999 per row and max |Δ| ≤ 1e-4.
    func assertParity(_ got: Tensor, _ expected: Tensor, _ label: String) throws {
        XCTAssertEqual(got.shape, expected.shape, label)
        let cosine = try F.cosineSimilarity(got, expected, dim: 1).min().item()
        let worst = try (got - expected).abs().max().item()
        XCTAssertGreaterThanOrEqual(cosine, 0.9999, label)
        XCTAssertLessThanOrEqual(worst, 1e-4, label)
        print("CLIPText parity \(label): min cosine \(cosine), max |Δ| \(worst), largest |value| \(try expected.abs().max().item())")
    }

    func encoder(_ config: CLIPText.Config, _ file: String) throws -> CLIPText {
        let model = try CLIPText(config)
        try model.load(contentsOf: Self.fixture.get().appendingPathComponent(file), using: CLIPWeights.loadText)   // strict
        return model
    }

    static let tinyOpenAI = CLIPText.Config(width: 32, heads: 4, layers: 2, output: 16)
    static let tinyHF = CLIPText.Config(width: 32, heads: 4, layers: 2, output: 16, hidden: 64)

    func testTinyOpenAIAndOpenCLIPLayouts() throws {
        let ids = try reference("ids")
        XCTAssertEqual(ids.shape, [140, 77])
        XCTAssertEqual(Array(try ids.at(0).toArray(Int64.self).prefix(6)), [49406, 596, 567, 3299, 49407, 0], "Abseiling")
        for file in ["tiny_openai.pth", "tiny_openclip.pt"] {
            let model = try encoder(Self.tinyOpenAI, file)
            let got = try Torch.withoutGrad { try model.encodeText(ids) }
            try assertParity(got, reference("tiny"), file)
            // transformers pads with <|endoftext|> rather than 0: the same embeddings (causal mask, first argmax).
            let padded = try Tensor.where(ids.eq(0), Tensor.full([], 49407, dtype: .int64), ids)
            try assertClose(Torch.withoutGrad { try model.encodeText(padded) }, got, tolerance: 1e-6, "49407 padding")
        }
    }

    func testViTB32SizedTower() throws {
        let model = try encoder(.vitB, "b32.pth")
        XCTAssertEqual(try CLIPText.Config.inferred(from: CLIPWeights.loadText(Self.fixture.get().appendingPathComponent("b32.pth"))), .vitB)
        let got = try Torch.withoutGrad { try model.encodeText(reference("ids").slice(0, 0, 24)) }
        try assertParity(got, reference("b32"), "ViT-B/32 text tower")
    }

    func testHuggingFaceLayouts() throws {
        let ids = try reference("ids")
        for (folder, name) in [("hf_text", "CLIPTextModelWithProjection"), ("hf_clip", "CLIPModel")] {
            let model = try encoder(Self.tinyHF, folder + "/model.safetensors")
            try assertParity(Torch.withoutGrad { try model.encodeText(ids) }, reference(folder), name)
        }
    }

    func testMismatchedWeightsAreNamed() throws {
        let wrong = try CLIPText(CLIPText.Config(width: 32, heads: 4, layers: 3, output: 8))
        let file = try Self.fixture.get().appendingPathComponent("tiny_openai.pth")
        XCTAssertThrowsError(try wrong.load(contentsOf: file, using: CLIPWeights.loadText)) { error in
            let text = error.localizedDescription
            for key in ["transformer.resblocks.2.ln_1.weight", "text_projection", "tiny_openai.pth"] {
                XCTAssertTrue(text.contains(key), "\(key) not in: \(text)")
            }
        }
        XCTAssertThrowsError(try wrong.encodeText(Tensor.zeros([2, 78], dtype: .int64)))
    }
}
