import Foundation
import Media
import Models
import TestSupport
import Torch
import XCTest

/// XCLIP against transformers 4.49's `XCLIPModel` (seeded tiny configuration, `save_pretrained`) on real Big Buck
/// Bunny frames, through every loader: the transformers folder (safetensors and .bin), a single file, VideoX's
/// `.pth` layout, and an X-CLIP started from an OpenAI CLIP checkpoint (Fixtures/make_xclip_reference.py).
final class XCLIPTests: XCTestCase {
    struct Fixture {
        var folder: URL
        var frames: Tensor        // uint8 (N, S, S, 3), what both sides see
    }

    static func makeFixture(size: Int, indices: [Int], full: Bool) throws -> Fixture {
        let root = TestSupport.repositoryRoot
        let python = root.appendingPathComponent("data/.venv-ref/bin/python")
        let wheel = root.appendingPathComponent("data/.pip/clip_anytorch-2.6.0-py3-none-any.whl")
        let vocab = root.appendingPathComponent("data/samples/bpe_simple_vocab_16e6.txt.gz")
        for file in [python, wheel, vocab, TestSupport.bigBuckBunny] where !FileManager.default.fileExists(atPath: file.path) {
            throw TorchError.invalidArgument("\(file.path) is missing: run `make bootstrap`")
        }
        let decoded = try VideoDecoder(url: TestSupport.bigBuckBunny, options: DecodeOptions(width: size, height: size))
            .decodeFrames(.indices(indices)).frames
        let bytes = decoded.flatMap(\.pixels)
        let folder = try TestSupport.temporaryFolder("xclip-reference")
        let raw = folder.appendingPathComponent("frames.u8")
        try Data(bytes).write(to: raw)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/make_xclip_reference.py")
        let result = try TestSupport.run(python.path, [script.path, folder.path, wheel.path, vocab.path, root.path, raw.path,
                                                       "\(indices.count)", "\(size)"] + (full ? ["full"] : []),
                                         environment: ["HF_HUB_OFFLINE": "1"])
        guard result.status == 0 else { throw TorchError.invalidArgument("make_xclip_reference.py failed: \(result.stderr)") }
        return Fixture(folder: folder, frames: try Tensor(bytes, shape: [indices.count, size, size, 3]))
    }

    static let tiny: Result<Fixture, Error> = Result { try makeFixture(size: 32, indices: Array(stride(from: 0, to: 120, by: 15)), full: false) }

    /// Compares every stage with the reference: max |Δ| ≤ 1e-4 of the largest magnitude, rows' cosine ≥ 0.9999.
    func assertParity(_ loaded: XCLIPWeights.Loaded, _ fixture: Fixture, reference name: String, _ label: String) throws {
        let arrays = try NamedArrays(base: fixture.folder.appendingPathComponent(name))
        func expected(_ key: String) throws -> Tensor { try Tensor.from(arrays.entries[key]!) }
        let model = loaded.model, t = loaded.frames, s = loaded.resolution
        let pixels = try loaded.normalization.apply(fixture.frames).reshaped([fixture.frames.shape[0] / t, t, 3, s, s])
        let ids = try expected("ids")
        try Torch.withoutGrad {
            let video = try model.encodeVideo(pixels)
            let text = try model.encodeText(ids)
            let prompted = try model.promptedText(text, for: video)
            let stages: [(String, Tensor)] = [
                ("vision.pooler", video.framePooled), ("frame_embeds", video.frameEmbeddings), ("mit", video.video),
                ("video_embeds", try video.video / video.video.norm([-1], keepDims: true)), ("text", text),
                ("text_embeds", try prompted / prompted.norm([-1], keepDims: true)),
                ("logits_per_video", try model.logits(video: video, textEmbeddings: text)),
            ]
            for (key, got) in stages {
                let want = try expected(key)
                XCTAssertEqual(got.shape, want.shape, "\(label) \(key)")
                guard got.shape == want.shape else { continue }
                let largest = try want.abs().max().item(), worst = try (got - want).abs().max().item()
                let rows = try got.reshaped([-1, got.shape.last!]), wantRows = try want.reshaped([-1, want.shape.last!])
                let cosine = try F.cosineSimilarity(rows, wantRows, dim: 1).min().item()
                XCTAssertLessThanOrEqual(worst, 1e-4 * largest, "\(label) \(key): max |Δ| \(worst) of \(largest)")
                if key != "logits_per_video" { XCTAssertGreaterThanOrEqual(cosine, 0.9999, "\(label) \(key)") }
                print("X-CLIP parity \(label) \(key): max |Δ| \(worst) (largest |value| \(largest)), min cosine \(cosine)")
            }
            try assertClose(model(pixels, ids: ids), expected("logits_per_video"), tolerance: 1e-4 * Float(try expected("logits_per_video").abs().max().item()))
        }
    }

    func testTransformersFolders() throws {
        let fixture = try Self.tiny.get()
        let safetensors = try XCLIPWeights.load(fixture.folder.appendingPathComponent("hf"))
        XCTAssertEqual(safetensors.model.config, XCLIP.Config.tiny, "config.json read, recognised as tiny")
        XCTAssertEqual(safetensors.normalization, .imageNet)
        XCTAssertEqual(safetensors.frames, 4)
        try assertParity(safetensors, fixture, reference: "tiny", "transformers safetensors")
        let bin = try XCLIPWeights.load(folder: fixture.folder.appendingPathComponent("hf_bin"))
        XCTAssertEqual(bin.normalization, .clip, "preprocessor_config.json read")
        try assertParity(XCLIPWeights.Loaded(model: bin.model, normalization: .imageNet), fixture, reference: "tiny", "transformers .bin")
    }

    func testSingleFilesAndVideoXLayout() throws {
        let fixture = try Self.tiny.get()
        let single = try XCLIPWeights.load(file: fixture.folder.appendingPathComponent("hf/model.safetensors"), config: .tiny)
        try assertParity(single, fixture, reference: "tiny", "transformers single file")
        let videox = fixture.folder.appendingPathComponent("videox.pth")
        let original = try XCLIPWeights.load(videox, config: .tiny)
        XCTAssertEqual(original.normalization, .imageNet)
        try assertParity(original, fixture, reference: "tiny", "VideoX .pth")
        let built = try WeightsSource.file(videox).build({ try XCLIP(.tiny) }, load: XCLIPWeights.read)
        try assertParity(XCLIPWeights.Loaded(model: built, normalization: .imageNet), fixture, reference: "tiny", "WeightsSource")
        // Tiny widths are not multiples of 64, so VideoX's head rule cannot apply: the error says to give the configuration.
        XCTAssertThrowsError(try XCLIPWeights.load(file: videox)) { error in
            XCTAssertTrue(error.localizedDescription.contains("give the configuration"), error.localizedDescription)
            XCTAssertTrue(error.localizedDescription.contains("videox.pth"), error.localizedDescription)
        }
    }

    func testStrictLoadingNamesMissingUnexpectedAndMisshapenKeys() throws {
        let fixture = try Self.tiny.get()
        var weights = try Torch.loadWeights(fixture.folder.appendingPathComponent("hf/model.safetensors"))
        weights["vision_model.encoder.layers.1.message_ln.bias"] = nil
        weights["prompts_generator.extra.weight"] = try Tensor.zeros([2])
        weights["mit.position_embedding"] = try Tensor.zeros([1, 5, 16])
        let damaged = try TestSupport.temporaryFolder("xclip-damaged").appendingPathComponent("damaged.safetensors")
        try Torch.saveSafetensors(weights, to: damaged)
        XCTAssertThrowsError(try XCLIPWeights.load(file: damaged, config: .tiny)) { error in
            let text = error.localizedDescription
            for part in ["visual.transformer.resblocks.1.message_ln.bias", "prompts_generator.extra.weight",
                         "mit.positional_embedding", "damaged.safetensors"] {
                XCTAssertTrue(text.contains(part), "\(part) not named in: \(text)")
            }
        }
    }

    func testFrameCountIsCheckedBeforeTheForwardPass() throws {
        let model = try XCLIP(.tiny)
        let ids = try Tensor.zeros([3, 77], dtype: .int64)
        XCTAssertThrowsError(try model(Tensor.zeros([2, 5, 3, 32, 32]), ids: ids)) { error in
            XCTAssertEqual(error.localizedDescription, "X-CLIP tiny takes 4 frames per video; got 5 (10 frames for a batch of 2)")
        }
        XCTAssertThrowsError(try model.encodeVideo(Tensor.zeros([6, 3, 32, 32]))) { error in
            XCTAssertEqual(error.localizedDescription, "X-CLIP tiny takes 4 frames per video; got 6 frames, not a whole number of videos")
        }
        XCTAssertThrowsError(try model.encodeVideo(Tensor.zeros([1, 4, 3, 64, 64])))
        let named = try XCLIP(XCLIP.Config.tiny.named("base-patch32"))
        XCTAssertThrowsError(try named.encodeVideo(Tensor.zeros([2, 10, 3, 32, 32]))) { error in
            XCTAssertTrue(error.localizedDescription.hasPrefix("X-CLIP base-patch32 takes 4 frames per video; got 10 (20 frames"))
        }
        XCTAssertEqual(try Torch.withoutGrad { try model(Tensor.zeros([8, 3, 32, 32]), ids: ids) }.shape, [2, 3])
    }

    func testFromCLIPCheckpoint() throws {
        let fixture = try Self.tiny.get()
        let file = fixture.folder.appendingPathComponent("clip_tiny.pth")
        let options = XCLIPWeights.CLIPStart(frames: 4, mitHeads: 2, promptHeads: 2, seed: 5)
        let loaded = try XCLIPWeights.fromCLIP(file, options)
        XCTAssertEqual(loaded.normalization, .clip)
        XCTAssertEqual(loaded.frames, 4)
        let model = loaded.model, state = model.stateDict()
        // Every CLIP tensor landed unchanged (vision and text towers, logit_scale).
        let clip = try Torch.loadWeights(file)
        for (key, tensor) in clip {
            XCTAssertEqual(try state[key].map { try $0.toArray(Float.self) }, try tensor.toArray(Float.self), key)
        }
        // The text tower is CLIP's: its embeddings equal OpenAI's encode_text.
        let reference = try NamedArrays(base: fixture.folder.appendingPathComponent("clip"))
        let ids = try Tensor.from(NamedArrays(base: fixture.folder.appendingPathComponent("tiny")).entries["ids"]!)
        try assertClose(Torch.withoutGrad { try model.encodeText(ids) }, Tensor.from(reference.entries["text"]!), tolerance: 1e-5)
        // The X-CLIP modules are fresh, as transformers initialises them, and seeded.
        XCTAssertEqual(try state["prompts_generator.alpha"]!.toArray(Float.self), [Float](repeating: 0.1, count: 32))
        XCTAssertEqual(try state["visual.transformer.resblocks.0.message_fc.bias"]!.abs().max().item(), 0)
        XCTAssertEqual(try state["prompts_visual_ln.weight"]!.toArray(Float.self), [Float](repeating: 1, count: 64))
        let again = try XCLIPWeights.fromCLIP(file, options).model.stateDict()
        XCTAssertEqual(try again["mit.positional_embedding"]!.toArray(Float.self), try state["mit.positional_embedding"]!.toArray(Float.self))
        let pixels = try loaded.normalization.apply(fixture.frames).reshaped([2, 4, 3, 32, 32])
        let logits = try Torch.withoutGrad { try model(pixels, ids: ids) }
        XCTAssertEqual(logits.shape, [2, 6])
        XCTAssertEqual(try logits.nonFiniteCount().nan, 0)
        // Without head counts, projection 32 cannot follow VideoX's width / 64: a clear error.
        XCTAssertThrowsError(try XCLIPWeights.fromCLIP(file, .init(frames: 4))) { error in
            XCTAssertTrue(error.localizedDescription.contains("head count"), error.localizedDescription)
        }
    }

    func testPublishedConfigurationNames() throws {
        XCTAssertEqual(XCLIP.Config.named("base-patch32"), .basePatch32)
        XCTAssertEqual(XCLIP.Config.named("microsoft/xclip-base-patch32")?.named("base-patch32"), .basePatch32)
        XCTAssertEqual(XCLIP.Config.named("base-patch16-16-frames")?.frames, 16)
        XCTAssertEqual(XCLIP.Config.named("xclip-base-patch16-zero-shot")?.frames, 32)
        XCTAssertEqual(XCLIP.Config.named("xclip-base-patch16-hmdb-4-shot")?.frames, 32)
        XCTAssertEqual(XCLIP.Config.named("xclip-large-patch14-16-frames")?.vision.resolution, 336, "the Hub's 16-frame large model")
        XCTAssertEqual(XCLIP.Config.named("large-patch14-224-16-frames")?.vision.resolution, 224)
        XCTAssertEqual(XCLIP.Config.named("large-patch14-336-32-frames")?.frames, 32)
        XCTAssertEqual(XCLIP.Config.named("large-patch14")?.projection, 768)
        XCTAssertEqual(XCLIP.Config.named("xclip-large-patch14-kinetics-600")?.vision.width, 1024)
        XCTAssertNil(XCLIP.Config.named("huge-patch14"))
        for frames in [8, 16, 32] {
            for config in [XCLIP.Config.base(patch: 32, frames: frames), .base(patch: 16, frames: frames), .large(frames: frames),
                           .large(frames: frames, resolution: 336)] {
                XCTAssertEqual(XCLIP.Config.named(config.name), config, "\(config.name) reads back")
            }
        }
        XCTAssertEqual(try XCLIP(.tiny).parameterCount, 1_680_000, accuracy: 10_000, "XCLIP.md: 1.68 M")
    }

    /// The published base-patch32 shape (196,585,729 parameters) against transformers' own initialisation:
    /// VIMO_XCLIP_FULL=1 runs it (about a minute; 800 MB of weights written to a temporary folder).
    func testFullBasePatch32() throws {
        guard ProcessInfo.processInfo.environment["VIMO_XCLIP_FULL"] == "1" else {
            throw XCTSkip("set VIMO_XCLIP_FULL=1 for the full base-patch32 structure parity check")
        }
        let fixture = try Self.makeFixture(size: 224, indices: Array(stride(from: 0, to: 120, by: 15)), full: true)
        let loaded = try XCLIPWeights.load(fixture.folder.appendingPathComponent("full"))
        XCTAssertEqual(loaded.model.config, XCLIP.Config.basePatch32)
        XCTAssertEqual(loaded.model.parameterCount, 196_585_729)
        // transformers' 591 tensors less 4 for each of the 37 attentions, whose q/k/v weights and biases are packed.
        XCTAssertEqual(loaded.model.namedTensors().count, 591 - 4 * 37)
        try assertParity(loaded, fixture, reference: "full", "base-patch32")
        // The configuration inferred from the weights alone is the published one too.
        let inferred = try XCLIPWeights.load(file: fixture.folder.appendingPathComponent("full/model.safetensors"))
        XCTAssertEqual(inferred.model.config, XCLIP.Config.basePatch32)
        // VideoX's head rule (width / 64) gives the same heads for base (MIT and prompts 512 / 64 = 8).
        let weights = try XCLIPWeights.read(fixture.folder.appendingPathComponent("full/model.safetensors"))
        XCTAssertEqual(try XCLIP.Config.inferred(from: weights, huggingFaceHeads: false), XCLIP.Config.basePatch32)
    }
}
