import AMCLIP
import Models
import Torch
import XCTest

/// The X-CLIP shape for a modality, and a checkpoint's MIT positions resampled to another clip length.
final class ModelFramesTests: XCTestCase {
    func testConfigHasOnePositionPerImage() throws {
        XCTAssertEqual(ModelFrames.config(.basePatch32, modality: .rgbFlow, indices: 8).frames, 16)
        XCTAssertEqual(ModelFrames.config(.basePatch32, modality: .flow, indices: 6).frames, 6)
        Torch.seed(1)
        let model = try XCLIP(ModelFrames.config(.tiny, modality: .rgbFlow, indices: 3))
        XCTAssertEqual(model.stateDict()[ModelFrames.positionsKey]?.shape, [1, 6, 16])
    }

    func testAdaptResamplesPositionsAndKeepsEverythingElse() throws {
        Torch.seed(3)
        let loaded = XCLIPWeights.Loaded(model: try XCLIP(.tiny), normalization: .imageNet)  // 4 frames
        let adapted = try ModelFrames.adapt(loaded, frames: 7)
        XCTAssertEqual(adapted.frames, 7)
        XCTAssertEqual(adapted.normalization, .imageNet)
        let old = loaded.model.stateDict(), new = adapted.model.stateDict()
        XCTAssertEqual(Set(old.keys), Set(new.keys))
        for (name, tensor) in old where name != ModelFrames.positionsKey {
            XCTAssertEqual(try new[name]!.toArray(Float.self), try tensor.toArray(Float.self), name)
        }
        // Linear along time, ends kept: new position j sits at old position j·(4 − 1)/(7 − 1) = j/2.
        let p = try old[ModelFrames.positionsKey]!.toArray(Float.self), q = try new[ModelFrames.positionsKey]!.toArray(Float.self)
        let d = 16
        XCTAssertEqual(q.count, 7 * d)
        for j in 0..<7 {
            let t = Double(j) / 2, i = Int(t), f = Float(t - Double(i))
            for c in 0..<d {
                let want = i + 1 < 4 ? (1 - f) * p[i * d + c] + f * p[(i + 1) * d + c] : p[i * d + c]
                XCTAssertEqual(q[j * d + c], want, accuracy: 1e-5, "position \(j), channel \(c)")
            }
        }
        // The adapted model takes 7-image clips.
        let logits = try Torch.withoutGrad { () -> Tensor in
            let ids: [Int64] = (0..<(2 * 77)).map { i -> Int64 in i % 77 == 0 ? 49406 : (i % 77 == 1 ? 49407 : 0) }
            let text = try adapted.model.encodeText(Tensor(ids, shape: [2, 77]))
            return try adapted.model.logits(video: Tensor.randn([1, 7, 3, 32, 32]), textEmbeddings: text)
        }
        XCTAssertEqual(logits.shape, [1, 2])
        XCTAssertTrue(try ModelFrames.adapt(loaded, frames: 4).model === loaded.model, "same length: the model itself")
        // One position: repeated.
        let single = try ModelFrames.resampled(Tensor([Float(1), 2], shape: [1, 1, 2]), to: 3)
        XCTAssertEqual(try single.toArray(Float.self), [1, 2, 1, 2, 1, 2])
    }
}
