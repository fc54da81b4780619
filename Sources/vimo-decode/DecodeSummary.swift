import Core
import Foundation

/// What one vimo-decode run did, written as JSON next to the shards.
struct DecodeSummary: Codable {
    struct Failure: Codable, Equatable {
        var item: String
        var reason: String
    }
    struct Warning: Codable, Equatable {
        var item: String
        var message: String
    }

    var stage = "decode"
    var dataset: String
    var split: String
    var shard: String
    var sampling: String
    var fingerprint: String
    var itemsInDataset: Int
    var itemsInShard: Int
    var alreadyCached: Int
    var decoded: Int
    var failed: [Failure]
    var warnings: [Warning]
    var datasetProblems: [String]
    var frames: Int
    var seconds: Double
    var framesPerSecond: Double
    var digestsComputed: Int
    var shardsWritten: [String]

    var closingLine: String {
        var text = "decoded \(decoded) item(s), \(frames) frames in \(String(format: "%.1f", seconds)) s"
            + " (\(String(format: "%.0f", framesPerSecond)) frames/s); \(alreadyCached) already cached"
        if !failed.isEmpty { text += "; \(failed.count) FAILED" }
        return text + "."
    }

    func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try AtomicFile.write(try encoder.encode(self), to: url)
    }
}
