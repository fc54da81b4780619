/// The part of a dataset a video belongs to.
public enum Split: String, Sendable {
    /// Training videos.
    case train
    /// Validation videos (Animal Kingdom calls them `test` in AR_metadata and `val` in the per-frame files).
    case val

    /// Reads a split name as datasets write it: `train`, or `val` / `validation` / `test` for validation.
    init?(annotation text: String) {
        switch text.trimmingWhitespace.lowercased() {
        case "train", "training": self = .train
        case "val", "validation", "test": self = .val
        default: return nil
        }
    }
}

/// Which splits to load.
public enum SplitSelection: Sendable {
    /// Only training videos.
    case train
    /// Only validation videos.
    case val
    /// Both, training first.
    case all

    /// The splits selected, in load order.
    public var splits: [Split] {
        switch self {
        case .train: return [.train]
        case .val: return [.val]
        case .all: return [.train, .val]
        }
    }

    /// Whether `split` is selected.
    public func contains(_ split: Split) -> Bool { splits.contains(split) }
}
