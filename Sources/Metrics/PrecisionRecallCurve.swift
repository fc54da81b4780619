/// Precision and recall when every item scoring at least `threshold` is predicted positive.
public struct PrecisionRecallPoint: Sendable, Equatable, Codable {
    /// The score cut: items with a score ≥ this are predicted positive.
    public var threshold: Float
    /// True positives over predicted positives.
    public var precision: Double
    /// True positives over all positives.
    public var recall: Double

    /// Creates a point.
    public init(threshold: Float, precision: Double, recall: Double) {
        self.threshold = threshold
        self.precision = precision
        self.recall = recall
    }
}

/// A precision–recall curve with one point per distinct score, as scikit-learn's `precision_recall_curve`.
///
/// Points run from the highest threshold to the lowest, so recall never falls along the array.
/// scikit-learn also appends a final (recall 0, precision 1) point with no threshold; it is left
/// out here because it carries no information. Without positives recall is 1 everywhere, as there.
public struct PrecisionRecallCurve: Sendable, Equatable {
    /// One point per distinct score, highest threshold first.
    public let points: [PrecisionRecallPoint]
    /// How many labels are positive.
    public let positives: Int
    /// The step integral of the curve, as `averagePrecision(scores:labels:)`; nil without positives.
    public let averagePrecision: Double?

    /// The curve of one binary problem.
    public init(scores: [Float], labels: [UInt8]) throws {
        try validateBinary(scores: scores, labels: labels)
        self.init(steps: ThresholdSteps(count: scores.count, score: { scores[$0] }, label: { labels[$0] }))
    }

    /// The micro curve: one binary problem over every (item, class) pair.
    public static func micro(scores: ScoreMatrix, labels: LabelMatrix) throws -> PrecisionRecallCurve {
        try validateSameShape(scores: scores, labels: labels)
        return PrecisionRecallCurve(steps: ThresholdSteps(count: scores.values.count,
                                                          score: { scores.values[$0] }, label: { labels.values[$0] }))
    }

    init(steps: ThresholdSteps) {
        let positives = steps.positives
        points = steps.thresholds.indices.map { step in
            let tp = Double(steps.truePositives[step])
            return PrecisionRecallPoint(
                threshold: steps.thresholds[step],
                precision: tp / (tp + Double(steps.falsePositives[step])),
                recall: positives > 0 ? tp / Double(positives) : 1)
        }
        self.positives = positives
        averagePrecision = steps.averagePrecision()
    }
}
