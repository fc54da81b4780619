import Datasets
import Foundation
import Models
import Store
import TestSupport
import Torch
import XCTest

/// vimo-clip end to end: decode shards in, CLIP embeddings aligned with the decode rows out.
final class ClipStageTests: XCTestCase {
    func testEmbeddingsAlignWithFramesAndMatchTheEncoder() throws {
        let root = try TestSupport.temporaryFolder("vimo-clip")
        let dataset = root.appendingPathComponent("dataset"), frames = root.appendingPathComponent("frames")
        let clips = try SyntheticDataset.generate(at: dataset, spec: .init(clips: 3, frames: 5, width: 96, height: 64, seed: 8))
        XCTAssertEqual(try TestSupport.run(TestSupport.product("vimo-decode"),
                                           ["--dataset", dataset.path, "--out", frames.path, "--quiet"]).status, 0)
        let out = root.appendingPathComponent("clip")
        let args = ["--frames", frames.path, "--out", out.path, "--model", "tiny", "--weights", "random:5", "--batch", "2", "--quiet"]
        let result = try TestSupport.run(TestSupport.product("vimo-clip"), args)
        XCTAssertEqual(result.status, 0, result.stderr)

        let upstream = try ShardIndex.build(directory: frames), index = try ShardIndex.build(directory: out)
        XCTAssertEqual(index.items, clips.map(\.id).sorted())
        Torch.seed(5)
        let encoder = try CLIPVision(.tiny)
        for id in index.items {
            let up = upstream[id]!, entry = index[id]!
            let reader = try ShardReader(url: entry.shard), upReader = try ShardReader(url: up.shard)
            XCTAssertEqual(try reader.frameIndex(rows: entry.rows), try upReader.frameIndex(rows: up.rows), id)
            XCTAssertEqual(try reader.labels(item: entry.position), try upReader.labels(item: up.position), "labels travel along")
            let pixels = try Tensor(try upReader.readFrames(rows: up.rows), shape: [up.rows.count, 224, 224, 3])
            let expected = try Torch.withoutGrad { try encoder(CLIPVision.preprocess(pixels)) }
            try assertClose(Tensor(try reader.readEmbeddings(rows: entry.rows), shape: expected.shape), expected, tolerance: 1e-4, id)
        }
        let again = try TestSupport.run(TestSupport.product("vimo-clip"), args)
        XCTAssertEqual(again.status, 0, again.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary-clip.json"))) as! [String: Any]
        XCTAssertEqual(summary["processed"] as? Int, 0)
        XCTAssertEqual(summary["already_cached"] as? Int, clips.count)

        let bad = try TestSupport.run(TestSupport.product("vimo-clip"), ["--frames", frames.path, "--out", root.appendingPathComponent("x").path,
                                                                         "--model", "tiny", "--weights", root.appendingPathComponent("none.pt").path])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("none.pt"), bad.stderr)
    }
}
