import Core
import Datasets

/// Random numbers that depend only on a seed and a key, never on call order or thread: the same
/// (seed, video, epoch, classifier, …) draws the same value on every machine, run and Swift version.
///
/// The key's parts are joined with U+001F (unit separator) after the seed's decimal digits and hashed with
/// FNV-1a 64 (`ShardSelector.stableHash`); that hash seeds a SplitMix64 whose first output, top 53 bits,
/// is the value. SplitMix64's mixing spreads FNV's weak low bits.
public struct KeyedRandom: Sendable, Equatable, Codable {
    /// The run's seed.
    public var seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    /// A uniform value in [0, 1) for `key` (multiples of 2⁻⁵³).
    public func unit(_ key: [String]) -> Double {
        Double(bits(key) >> 11) / Double(UInt64(1) << 53)
    }

    /// 64 random bits for `key`.
    public func bits(_ key: [String]) -> UInt64 {
        let text = ([String(seed)] + key).joined(separator: "\u{1F}")
        var generator = SplitMix64(seed: ShardSelector.stableHash(text))
        return generator.next()
    }
}
