/// How one class's hard predictions compare with its labels.
public struct ConfusionCounts: Sendable, Equatable, Codable {
    /// Predicted and labelled.
    public var truePositives: Int
    /// Predicted but not labelled.
    public var falsePositives: Int
    /// Labelled but not predicted.
    public var falseNegatives: Int

    /// Creates counts.
    public init(truePositives: Int = 0, falsePositives: Int = 0, falseNegatives: Int = 0) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.falseNegatives = falseNegatives
    }

    /// Precision, recall and F1 of these counts, 0 where a ratio has a zero denominator.
    public var scores: PrecisionRecallF1 {
        PrecisionRecallF1(truePositives: truePositives, predicted: truePositives + falsePositives,
                          actual: truePositives + falseNegatives)
    }

    private enum CodingKeys: String, CodingKey {
        case truePositives = "tp", falsePositives = "fp", falseNegatives = "fn"
    }
}

/// Precision, recall and their harmonic mean.
public struct PrecisionRecallF1: Sendable, Equatable, Codable {
    /// True positives over predicted positives.
    public var precision: Double
    /// True positives over actual positives.
    public var recall: Double
    /// 2PR / (P + R).
    public var f1: Double

    /// Creates the triple from its three numbers.
    public init(precision: Double, recall: Double, f1: Double) {
        self.precision = precision
        self.recall = recall
        self.f1 = f1
    }

    /// scikit-learn's `precision_recall_fscore_support(zero_division=0)` for one set of counts:
    /// a ratio with a zero denominator is 0, and F1 is 0 when precision and recall are both 0.
    public init(truePositives: Int, predicted: Int, actual: Int) {
        precision = predicted == 0 ? 0 : Double(truePositives) / Double(predicted)
        recall = actual == 0 ? 0 : Double(truePositives) / Double(actual)
        let denominator = precision + recall
        f1 = denominator == 0 ? 0 : 2 * precision * recall / denominator
    }
}

/// Micro and macro averages of precision, recall and F1 over classes.
public struct AveragedScores: Sendable, Equatable, Codable {
    /// From the counts summed over classes.
    public var micro: PrecisionRecallF1
    /// The unweighted mean of each class's numbers, over every class (scikit-learn's `average="macro"`,
    /// which keeps classes without positives or predictions at 0).
    public var macro: PrecisionRecallF1

    /// Creates the pair.
    public init(micro: PrecisionRecallF1, macro: PrecisionRecallF1) {
        self.micro = micro
        self.macro = macro
    }

    /// Averages per-class counts; all zero for no classes.
    public init(perClass counts: [ConfusionCounts]) {
        let total = counts.reduce(into: ConfusionCounts()) { sum, next in
            sum.truePositives += next.truePositives
            sum.falsePositives += next.falsePositives
            sum.falseNegatives += next.falseNegatives
        }
        micro = total.scores
        let each = counts.map(\.scores)
        let n = Double(max(each.count, 1))
        macro = PrecisionRecallF1(precision: each.reduce(0) { $0 + $1.precision } / n,
                                  recall: each.reduce(0) { $0 + $1.recall } / n,
                                  f1: each.reduce(0) { $0 + $1.f1 } / n)
    }
}
