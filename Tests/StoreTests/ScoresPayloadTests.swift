import Foundation
import Store
import XCTest

/// Scores shards name their dataset `scores`; shards from before, which held scores as `embeddings`
/// (one row per video, with labels), still read through `readScores`.
final class ScoresPayloadTests: XCTestCase {
    private func shard(_ payload: Payload, labels: Bool, in folder: URL, worker: String) throws -> ShardReader {
        let metadata = ShardMetadata(stage: "tfam-predict", fingerprint: "f", params: "{}", schema: Store.schemaVersion)
        let writer = try ShardWriter(directory: folder, worker: worker, metadata: metadata, payload: payload, labelCount: labels ? 3 : nil)
        for (i, item) in ["v1", "v2"].enumerated() {
            let row: [Float] = [Float(i), 0.5, -1]
            try row.withUnsafeBytes {
                try writer.append(item: item, source: "", frameIndex: [0], rows: $0, labels: labels ? [1, 0, UInt8(i)] : nil)
            }
        }
        return try ShardReader(url: try writer.commit())
    }

    func testScoresAreReadUnderEitherNameAndOnlyFromScoresShards() throws {
        let folder = try makeTemporaryDirectory()
        let current = try shard(.scores(classes: 3), labels: true, in: folder, worker: "a")
        XCTAssertEqual(current.payload, .scores(classes: 3))
        XCTAssertEqual(current.scoreClasses, 3)
        XCTAssertEqual(try current.readScores(rows: 0..<2), [0, 0.5, -1, 1, 0.5, -1])
        XCTAssertThrowsError(try current.readEmbeddings(rows: 0..<1))

        let old = try shard(.embeddings(dim: 3), labels: true, in: folder, worker: "b")
        XCTAssertEqual(old.scoreClasses, 3)
        XCTAssertEqual(try old.readScores(rows: 1..<2), [1, 0.5, -1])

        let embeddings = try shard(.embeddings(dim: 3), labels: false, in: folder, worker: "c")
        XCTAssertNil(embeddings.scoreClasses)
        XCTAssertThrowsError(try embeddings.readScores(rows: 0..<1)) { error in
            XCTAssertTrue(error.localizedDescription.contains("scores"), error.localizedDescription)
        }
    }
}
