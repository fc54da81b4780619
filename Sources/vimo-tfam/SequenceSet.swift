import Foundation
import Store
import Torch

/// Per-item embedding sequences loaded once from a stage folder (CLIP or motion embeddings).
struct SequenceSet {
    struct Sequence {
        var frames: [Int32]
        var values: Tensor      // (T, D), float32 or float16
        var labels: [UInt8]?
    }

    var dim: Int
    var sequences: [String: Sequence]
    var items: [String] { sequences.keys.sorted() }

    /// Reads every committed shard of `folder`; `half` keeps the values as float16 in memory
    /// (all of Animal Kingdom is ≈ 9 GB in float32, ≈ 4.6 GB in float16).
    static func load(_ folder: URL, half: Bool) throws -> SequenceSet {
        let index = try ShardIndex.build(directory: folder)
        guard !index.shards.isEmpty else { throw TFAMError.noEmbeddings(folder.path) }
        var dim = 0
        var sequences: [String: Sequence] = [:]
        for shard in index.shards {
            let reader = try ShardReader(url: shard)
            guard case .embeddings(let d) = reader.payload else { throw TFAMError.notEmbeddings(shard.path) }
            dim = d
            let all = try reader.readEmbeddings(rows: 0..<reader.rowCount)
            let frames = try reader.frameIndex(rows: 0..<reader.rowCount)
            let table = try Tensor(all, shape: [reader.rowCount, d])
            if try !table.nonFiniteCount().isZero { throw try damage(in: reader, values: all, dim: d) }
            for (position, item) in reader.items.enumerated() where index[item]?.shard == shard {
                let rows = reader.rows(ofItem: position)
                var values = try table.slice(0, rows.lowerBound, rows.upperBound).clone()
                if half { values = try values.to(.float16) }
                sequences[item] = Sequence(frames: Array(frames[rows]), values: values,
                                           labels: reader.labelCount == nil ? nil : try reader.labels(item: position))
            }
        }
        return SequenceSet(dim: dim, sequences: sequences)
    }

    /// The error naming the first item of `reader` whose rows hold NaN or ±∞.
    private static func damage(in reader: ShardReader, values: [Float], dim: Int) throws -> TFAMError {
        for (position, item) in reader.items.enumerated() {
            let rows = reader.rows(ofItem: position)
            let slice = values[(rows.lowerBound * dim)..<(rows.upperBound * dim)]
            let nan = slice.filter(\.isNaN).count, infinite = slice.filter(\.isInfinite).count
            if nan + infinite > 0 { return .nonFinite(reader.url.path, item, nan, infinite) }
        }
        return .nonFinite(reader.url.path, "?", 0, 0)
    }
}

enum TFAMError: Error, LocalizedError {
    case noEmbeddings(String)
    case notEmbeddings(String)
    case noLabels(String)
    case dimensionMismatch(Int, Int)
    case noItems(String)
    case nonFinite(String, String, Int, Int)

    var errorDescription: String? {
        switch self {
        case .noEmbeddings(let path): return "\(path) holds no embedding shards"
        case .notEmbeddings(let path): return "\(path) is not an embeddings shard"
        case .noLabels(let item): return "item \(item) has no labels (give --annotations, or use shards that carry labels)"
        case .dimensionMismatch(let a, let b): return "CLIP embeddings have \(a) dimensions but motion embeddings \(b)"
        case .noItems(let what): return "no items to \(what) (are the CLIP and motion folders of the same dataset?)"
        case .nonFinite(let path, let item, let nan, let infinite):
            return "\(path): the embeddings of item \(item) hold \(nan) NaN and \(infinite) infinite value(s); "
                + "recompute them (the stage that wrote this folder, or vimo verify)"
        }
    }
}
