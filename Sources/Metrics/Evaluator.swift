/// Computes every metric of a multi-label classifier in one pass over its scores.
public struct Evaluator: Sendable {
    /// A class is predicted when its score is ≥ this.
    public var threshold: Float
    /// The k values for top-k precision, recall and F1; each must be in `1...classes`.
    public var topK: [Int]

    /// Creates an evaluator; 0.5 suits sigmoid scores.
    public init(threshold: Float = 0.5, topK: [Int] = [1, 3, 5]) {
        self.threshold = threshold
        self.topK = topK
    }

    /// Evaluates `scores` against `labels`; `classes` describes the columns in order.
    public func evaluate(scores: ScoreMatrix, labels: LabelMatrix, classes: [ClassInfo]) throws -> Evaluation {
        try validateSameShape(scores: scores, labels: labels)
        try validateClasses(classes, count: scores.classes)
        let aps = try perClassAveragePrecision(scores: scores, labels: labels)
        let positives = labels.positivesPerClass()
        let thresholded = try PredictedClasses.atThreshold(threshold, scores: scores).counts(against: labels)
        let perClass = classes.indices.map { column in
            ClassResult(info: classes[column], positives: positives[column],
                        averagePrecision: aps[column], atThreshold: thresholded[column])
        }
        let segments = Segment.allCases.map { segment in
            let members = classes.filter { $0.segment == segment }
            return SegmentResult(
                segment: segment, classes: members.count,
                classesWithPositives: members.filter { positives[$0.id] > 0 }.count,
                meanAveragePrecision: segmentMeanAveragePrecision(perClass: aps, classes: classes, segment: segment))
        }
        let atTopK = try zip(topK, PredictedClasses.topK(topK, scores: scores)).map { k, predictions in
            TopKResult(k: k, scores: AveragedScores(perClass: try predictions.counts(against: labels)))
        }
        let curve = try PrecisionRecallCurve.micro(scores: scores, labels: labels)
        return Evaluation(
            items: scores.items, perClass: perClass,
            meanAveragePrecision: meanAveragePrecision(perClass: aps),
            microAveragePrecision: curve.averagePrecision,
            segments: segments, threshold: threshold,
            atThreshold: AveragedScores(perClass: thresholded), atTopK: atTopK, microCurve: curve)
    }

    /// Evaluates nested arrays: one row of K scores and one row of K labels per item.
    public func evaluate(scores: [[Float]], labels: [[UInt8]], classes: [ClassInfo]) throws -> Evaluation {
        try evaluate(scores: ScoreMatrix(rows: scores), labels: LabelMatrix(rows: labels), classes: classes)
    }

    private func validateClasses(_ classes: [ClassInfo], count: Int) throws {
        guard classes.count == count else {
            throw MetricsError.dimensionMismatch(what: "class descriptions for the score columns", expected: count, actual: classes.count)
        }
        for (position, info) in classes.enumerated() where info.id != position {
            throw MetricsError.classIdOutOfOrder(position: position, id: info.id)
        }
    }
}
