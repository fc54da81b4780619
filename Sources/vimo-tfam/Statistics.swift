import Foundation
import Torch

extension SequenceSet {
    /// Per-dimension mean and standard deviation (each (D), float32) over every row of `items`,
    /// what TFAM's motion standardisation divides by; a dimension that never varies keeps scale 1.
    func statistics(of items: [String]) throws -> (mean: Tensor, std: Tensor) {
        let rows = try items.compactMap { sequences[$0]?.values }.filter { $0.shape[0] > 0 }.map { try $0.to(.float32) }
        guard !rows.isEmpty else { throw TFAMError.noItems("measure standardisation statistics on") }
        let all = try Tensor.cat(rows, dim: 0)
        let mean = try all.mean([0])
        let std = try (all - mean).pow(2).mean([0]).sqrt()
        // A constant dimension carries nothing; dividing by (almost) zero would only amplify rounding.
        let floor = try std.gt(1e-12).to(.float32)
        return (mean, try std * floor + (1 - floor))
    }
}
