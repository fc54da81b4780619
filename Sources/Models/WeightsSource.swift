import Core
import Foundation
import Torch

/// Where a stage's model weights come from: a checkpoint file, or `random:SEED` (seeded random
/// initialisation, for tests, demos and benchmarks). `identity` goes into stage parameters.
public enum WeightsSource: Sendable, Equatable {
    case file(URL)
    case random(seed: UInt64)

    /// Parses `random`, `random:SEED` or a file path (which must exist).
    public init(parsing text: String) throws {
        if text == "random" || text.hasPrefix("random:") {
            guard let seed = text == "random" ? 0 : UInt64(text.dropFirst("random:".count)) else {
                throw TorchError.invalidArgument("'\(text)': expected random:SEED with a whole-number seed")
            }
            self = .random(seed: seed)
            return
        }
        guard FileManager.default.fileExists(atPath: text) else {
            throw TorchError.checkpoint(path: text, reason: "no such weights file")
        }
        self = .file(URL(fileURLWithPath: text))
    }

    /// `random:SEED`, or the file's content digest.
    public func identity() throws -> String {
        switch self {
        case .random(let seed): return "random:\(seed)"
        case .file(let url): return try FileDigest.sha256(of: url)
        }
    }

    /// Builds a model: seeded random weights, or freshly built and loaded (strictly) from the file; a
    /// mismatch or a non-finite tensor is reported naming the file. (Seeded initialisation draws finite
    /// values by construction, so only files are checked for NaN and ±∞.)
    public func build<M: Module>(_ make: () throws -> M, load: (URL) throws -> [String: Tensor]) throws -> M {
        switch self {
        case .random(let seed):
            Torch.seed(seed)
            return try make()
        case .file(let url):
            let model = try make()
            try model.load(contentsOf: url, using: load)
            return model
        }
    }
}
