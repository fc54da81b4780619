/// Everything measured about one class.
public struct ClassResult: Sendable, Equatable {
    /// The class.
    public var info: ClassInfo
    /// How many items show it in the evaluated split.
    public var positives: Int
    /// Its AP; nil when it has no positive (it then counts in no mean).
    public var averagePrecision: Double?
    /// Its hard predictions at the evaluator's threshold.
    public var atThreshold: ConfusionCounts
}

/// The mAP of one segment.
public struct SegmentResult: Sendable, Equatable {
    /// Head, middle or tail.
    public var segment: Segment
    /// Classes marked with this segment.
    public var classes: Int
    /// Those of them with a positive, whose APs are averaged.
    public var classesWithPositives: Int
    /// The mean AP over `classesWithPositives` classes; nil when that is 0.
    public var meanAveragePrecision: Double?
}

/// Precision, recall and F1 when each item predicts its `k` highest-scoring classes.
public struct TopKResult: Sendable, Equatable {
    /// How many classes each item predicts.
    public var k: Int
    /// Micro and macro averages over classes.
    public var scores: AveragedScores
}

/// The full evaluation of one set of scores against its labels.
public struct Evaluation: Sendable, Equatable {
    /// How many items (videos) were evaluated.
    public var items: Int
    /// One entry per class, in column order.
    public var perClass: [ClassResult]
    /// The official Animal Kingdom metric: mean AP over classes with a positive.
    public var meanAveragePrecision: Double?
    /// AP over every (item, class) pair.
    public var microAveragePrecision: Double?
    /// Head, middle and tail, in that order.
    public var segments: [SegmentResult]
    /// The score at and above which a class is predicted.
    public var threshold: Float
    /// Precision, recall and F1 at `threshold`.
    public var atThreshold: AveragedScores
    /// Precision, recall and F1 at each requested k.
    public var atTopK: [TopKResult]
    /// The micro precision–recall curve.
    public var microCurve: PrecisionRecallCurve

    /// Classes with at least one positive: those the mAP averages.
    public var classesWithPositives: Int { perClass.filter { $0.positives > 0 }.count }

    /// All positive labels.
    public var positiveLabels: Int { perClass.reduce(0) { $0 + $1.positives } }
}
