/// Average precision of one binary problem, exactly as scikit-learn's `average_precision_score`.
///
/// Items are ranked by score, highest first; at each distinct score (ties enter together) precision
/// P_n and recall R_n are measured, and AP = Σ (R_n − R_{n−1}) · P_n with R_0 = 0 — the step
/// integral, without interpolation. Returns nil when no label is positive (scikit-learn warns and
/// returns a meaningless value there).
public func averagePrecision(scores: [Float], labels: [UInt8]) throws -> Double? {
    try validateBinary(scores: scores, labels: labels)
    return ThresholdSteps(count: scores.count, score: { scores[$0] }, label: { labels[$0] }).averagePrecision()
}

/// AP of every class (column), nil for a class without positives.
public func perClassAveragePrecision(scores: ScoreMatrix, labels: LabelMatrix) throws -> [Double?] {
    try validateSameShape(scores: scores, labels: labels)
    let width = scores.classes
    return (0..<width).map { column in
        ThresholdSteps(count: scores.items,
                       score: { scores.values[$0 * width + column] },
                       label: { labels.values[$0 * width + column] }).averagePrecision()
    }
}

/// The official Animal Kingdom mAP: the mean AP over the classes with at least one positive.
///
/// Animal Kingdom evaluates with SlowFast's `get_map` (slowfast/utils/meters.py, cited by
/// sutdcv/Animal-Kingdom README_action_recognition.md), which drops every column whose labels
/// are all zero before calling `average_precision_score(labels, preds, average=None)` and takes
/// `np.mean` of the result. nil when no class has a positive.
public func meanAveragePrecision(perClass: [Double?]) -> Double? {
    mean(perClass.compactMap { $0 })
}

/// The mean AP of the classes in `segment` that have a positive; nil when there are none.
public func segmentMeanAveragePrecision(perClass: [Double?], classes: [ClassInfo], segment: Segment) -> Double? {
    mean(zip(perClass, classes).compactMap { ap, info in info.segment == segment ? ap : nil })
}

/// Micro AP: one binary problem over every (item, class) pair.
///
/// torchmetrics' `multilabel_average_precision(average="micro")` flattens preds and target and
/// calls its binary AP, which is scikit-learn's definition; scikit-learn's own `average="micro"`
/// ravels the same way. nil when no label is positive.
public func microAveragePrecision(scores: ScoreMatrix, labels: LabelMatrix) throws -> Double? {
    try validateSameShape(scores: scores, labels: labels)
    return ThresholdSteps(count: scores.values.count,
                          score: { scores.values[$0] }, label: { labels.values[$0] }).averagePrecision()
}

/// The arithmetic mean in Double; nil for no values.
func mean(_ values: [Double]) -> Double? {
    values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
}

/// Throws unless the two arrays pair up, every score is finite and every label is 0 or 1.
func validateBinary(scores: [Float], labels: [UInt8]) throws {
    guard scores.count == labels.count else {
        throw MetricsError.dimensionMismatch(what: "labels for the scores", expected: scores.count, actual: labels.count)
    }
    if let bad = scores.firstIndex(where: { !$0.isFinite }) {
        throw MetricsError.nonFiniteScore(item: bad, classIndex: 0)
    }
    if let bad = labels.firstIndex(where: { $0 > 1 }) {
        throw MetricsError.invalidLabel(item: bad, classIndex: 0, value: labels[bad])
    }
}

/// Throws unless scores and labels are both V × K.
func validateSameShape(scores: ScoreMatrix, labels: LabelMatrix) throws {
    guard scores.items == labels.items else {
        throw MetricsError.dimensionMismatch(what: "label rows (items)", expected: scores.items, actual: labels.items)
    }
    guard scores.classes == labels.classes else {
        throw MetricsError.dimensionMismatch(what: "label columns (classes)", expected: scores.classes, actual: labels.classes)
    }
}
