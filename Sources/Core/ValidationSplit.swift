import Foundation

/// The validation videos a trainer holds out of its training set to choose its checkpoint:
/// seeded, independent of the order the items come in, and big enough to choose with.
///
/// It holds `max(⌈fraction × N⌉, minimum)` of the N training videos — those whose seeded hash
/// sorts first — and refuses a training set that cannot keep `minimum` videos on each side.
public struct ValidationSplit: Sendable, Equatable {
    /// The floor trainers use unless told otherwise: below 10 videos a validation score moves in
    /// steps too coarse to choose an epoch by.
    public static let defaultMinimum = 10

    /// The held-out videos, sorted.
    public let validation: [String]
    /// The videos left to train on, sorted.
    public let train: [String]
    /// The fraction asked for.
    public let fraction: Double
    /// The floor asked for.
    public let minimum: Int

    /// Splits `items` (duplicates count once). Throws `ValidationSplitError.tooFewVideos`, naming
    /// `source` (where the items come from), when fewer than `minimum` would remain to train on.
    public init(items: [String], fraction: Double, minimum: Int = ValidationSplit.defaultMinimum, seed: UInt64,
                source: String) throws {
        precondition(fraction > 0 && fraction < 1, "ValidationSplit: fraction \(fraction) outside (0, 1)")
        precondition(minimum >= 1, "ValidationSplit: minimum \(minimum) below 1")
        let unique = Array(Set(items))
        let held = Self.held(of: unique.count, fraction: fraction, minimum: minimum)
        guard unique.count - held >= minimum else {
            throw ValidationSplitError.tooFewVideos(source: source, available: unique.count, validation: held,
                                                    minimum: minimum, fraction: fraction)
        }
        let keys = Dictionary(uniqueKeysWithValues: unique.map { ($0, Self.rank($0, seed: seed)) })
        let ranked = unique.sorted { keys[$0]! != keys[$1]! ? keys[$0]! < keys[$1]! : $0 < $1 }
        validation = ranked.prefix(held).sorted()
        train = ranked.dropFirst(held).sorted()
        self.fraction = fraction
        self.minimum = minimum
    }

    /// Where a video ranks: FNV-1a of "seed:id" (stable everywhere), mixed by MurmurHash3's finaliser so
    /// that ids differing in one character land far apart.
    static func rank(_ id: String, seed: UInt64) -> UInt64 {
        var h = ShardSelector.stableHash("\(seed):\(id)")
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        return h ^ (h >> 33)
    }

    /// How many of `count` videos the split holds out.
    public static func held(of count: Int, fraction: Double, minimum: Int) -> Int {
        max(Int((fraction * Double(count)).rounded(.up)), minimum)
    }

    /// The fewest training videos a split with these settings accepts.
    public static func smallestTrainingSet(fraction: Double, minimum: Int) -> Int {
        var count = 2 * minimum
        while count - held(of: count, fraction: fraction, minimum: minimum) < minimum { count += 1 }
        return count
    }

    /// One line for a trainer's log: how many videos each side holds and why.
    public var summary: String {
        let total = validation.count + train.count
        return "validation split: \(validation.count) of \(total) training videos (\(String(format: "%g", 100 * fraction)) %, "
            + "at least \(minimum)); "
            + "\(train.count) to train on"
    }
}

/// Why a validation split cannot be carved.
public enum ValidationSplitError: Error, LocalizedError, Equatable, Sendable {
    /// The training set of `source` is too small to hold out `validation` videos and keep `minimum` to train on.
    case tooFewVideos(source: String, available: Int, validation: Int, minimum: Int, fraction: Double)

    /// The sentence a trainer prints, naming where the training videos come from.
    public var errorDescription: String? {
        switch self {
        case .tooFewVideos(let source, let available, let validation, let minimum, let fraction):
            return "\(source): the training set holds \(available) video\(available == 1 ? "" : "s"): too few to hold out a validation split "
                + "of \(validation) (\(String(format: "%g", 100 * fraction)) %, at least \(minimum)) and keep \(minimum) to train on; "
                + "give at least \(ValidationSplit.smallestTrainingSet(fraction: fraction, minimum: minimum)) training videos, or lower --min-validation"
        }
    }
}
