/// What random scores achieve on a label set: the baseline a model's AP must be read against.
///
/// Scores drawn independently and uniformly at random rank the items in a uniformly random order
/// (ties have probability zero), so the expected AP has a closed form. With n items of which m are
/// positive, AP = (1/m) Σ_k rel_k · P@k over ranks k; E[rel_k] = m/n and, for j ≠ k,
/// E[rel_j rel_k] = m(m−1)/(n(n−1)), which gives
///
///     E[AP] = H_n / n + (m − 1)(n − H_n) / (n(n − 1)),   H_n = 1 + 1/2 + … + 1/n,
///
/// 1/n·H_n for a single positive (the mean reciprocal rank), 1 when every item is positive.
/// The mAP and micro AP of random scores are then averaged exactly as the metrics are: the mean of
/// the expected APs of the classes with a positive, and the expected AP of all pairs pooled.
public enum ChanceLevel {
    /// The expected average precision of random scores over `items` items, `positives` of them
    /// positive; nil when there is no positive (AP is undefined there).
    public static func averagePrecision(items: Int, positives: Int) -> Double? {
        precondition(items >= 0 && positives >= 0 && positives <= items,
                     "ChanceLevel: \(positives) positives among \(items) items")
        guard positives > 0 else { return nil }
        guard items > 1 else { return 1 }
        let n = Double(items), m = Double(positives)
        let harmonic = (1...items).reduce(0.0) { $0 + 1 / Double($1) }
        return harmonic / n + (m - 1) * (n - harmonic) / (n * (n - 1))
    }

    /// The expected official mAP of random scores: the mean, over the classes with at least one
    /// positive among `items` items, of their expected AP (`positivesPerClass[c]` positives each).
    public static func meanAveragePrecision(items: Int, positivesPerClass: [Int]) -> Double? {
        mean(positivesPerClass.compactMap { averagePrecision(items: items, positives: $0) })
    }

    /// The expected micro AP of random scores: every (item, class) pair pooled into one problem.
    public static func microAveragePrecision(items: Int, positivesPerClass: [Int]) -> Double? {
        averagePrecision(items: items * positivesPerClass.count, positives: positivesPerClass.reduce(0, +))
    }

    /// The expected mAP of random scores on `labels`.
    public static func meanAveragePrecision(labels: LabelMatrix) -> Double? {
        meanAveragePrecision(items: labels.items, positivesPerClass: labels.positivesPerClass())
    }

    /// The expected micro AP of random scores on `labels`.
    public static func microAveragePrecision(labels: LabelMatrix) -> Double? {
        microAveragePrecision(items: labels.items, positivesPerClass: labels.positivesPerClass())
    }
}
