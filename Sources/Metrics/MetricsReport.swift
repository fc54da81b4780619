import Foundation

/// The numbers of an `Evaluation` as written to `metrics.json`: every figure under the name of its metric.
///
/// Metrics that cannot be computed (no positives) are written as `null`, never left out, so a
/// reader can tell "not measurable" from "not reported".
public struct MetricsReport: Codable, Equatable, Sendable {
    /// The layout version of this file.
    public var schema: Int
    /// What was evaluated.
    public var counts: Counts
    /// The official Animal Kingdom mAP (SlowFast `get_map`).
    public var map: Double?
    /// AP over all (item, class) pairs.
    public var microAP: Double?
    /// Head, middle and tail mAP.
    public var segments: [SegmentEntry]
    /// Precision, recall and F1 at the threshold.
    public var atThreshold: ThresholdEntry
    /// Precision, recall and F1 at each top-k.
    public var atTopK: [TopKEntry]
    /// One sentence per metric name saying how it is computed.
    public var definitions: [String: String]
    /// What random scores would get on the same items (absent in files written before it existed).
    public var chance: ChanceEntry?

    /// The current layout version.
    public static let currentSchema = 1

    /// Sizes of the evaluated split.
    public struct Counts: Codable, Equatable, Sendable {
        /// Items (videos).
        public var items: Int
        /// Classes (columns).
        public var classes: Int
        /// Classes with at least one positive: those `map` averages.
        public var classesWithPositives: Int
        /// Positive (item, class) labels.
        public var positiveLabels: Int

        private enum CodingKeys: String, CodingKey {
            case items, classes, classesWithPositives = "classes_with_positives", positiveLabels = "positive_labels"
        }
    }

    /// One segment's mAP and the class counts behind it.
    public struct SegmentEntry: Codable, Equatable, Sendable {
        /// `head`, `middle` or `tail`.
        public var segment: Segment
        /// Mean AP of the segment's classes with a positive; null when none has one.
        public var map: Double?
        /// Classes in the segment.
        public var classes: Int
        /// Those with a positive.
        public var classesWithPositives: Int

        private enum CodingKeys: String, CodingKey {
            case segment, map, classes, classesWithPositives = "classes_with_positives"
        }

        /// Writes `map` as null when absent.
        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(segment, forKey: .segment)
            try container.encode(map, forKey: .map)
            try container.encode(classes, forKey: .classes)
            try container.encode(classesWithPositives, forKey: .classesWithPositives)
        }
    }

    /// Scores of the predictions at one threshold.
    public struct ThresholdEntry: Codable, Equatable, Sendable {
        /// Classes with a score ≥ this are predicted.
        public var threshold: Float
        /// From counts summed over classes.
        public var micro: PrecisionRecallF1
        /// Mean over all classes.
        public var macro: PrecisionRecallF1
    }

    /// Scores of the top-k predictions for one k.
    public struct TopKEntry: Codable, Equatable, Sendable {
        /// Classes predicted per item.
        public var k: Int
        /// From counts summed over classes.
        public var micro: PrecisionRecallF1
        /// Mean over all classes.
        public var macro: PrecisionRecallF1
    }

    /// The expected mAP and micro AP of random scores on the evaluated labels (`ChanceLevel`).
    public struct ChanceEntry: Codable, Equatable, Sendable {
        /// Expected official mAP of random scores.
        public var map: Double?
        /// Expected micro AP of random scores.
        public var microAP: Double?

        private enum CodingKeys: String, CodingKey {
            case map, microAP = "micro_ap"
        }

        /// Writes absent values as null.
        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(map, forKey: .map)
            try container.encode(microAP, forKey: .microAP)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case schema, counts, map, microAP = "micro_ap", segments, atThreshold = "at_threshold",
             atTopK = "at_top_k", definitions, chance
    }

    /// Writes absent metrics as null.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(counts, forKey: .counts)
        try container.encode(map, forKey: .map)
        try container.encode(microAP, forKey: .microAP)
        try container.encode(segments, forKey: .segments)
        try container.encode(atThreshold, forKey: .atThreshold)
        try container.encode(atTopK, forKey: .atTopK)
        try container.encode(definitions, forKey: .definitions)
        try container.encodeIfPresent(chance, forKey: .chance)
    }

    /// The report of an evaluation.
    public init(_ evaluation: Evaluation) {
        schema = Self.currentSchema
        counts = Counts(items: evaluation.items, classes: evaluation.perClass.count,
                        classesWithPositives: evaluation.classesWithPositives,
                        positiveLabels: evaluation.positiveLabels)
        map = evaluation.meanAveragePrecision
        microAP = evaluation.microAveragePrecision
        segments = evaluation.segments.map {
            SegmentEntry(segment: $0.segment, map: $0.meanAveragePrecision, classes: $0.classes,
                         classesWithPositives: $0.classesWithPositives)
        }
        atThreshold = ThresholdEntry(threshold: evaluation.threshold, micro: evaluation.atThreshold.micro,
                                     macro: evaluation.atThreshold.macro)
        atTopK = evaluation.atTopK.map { TopKEntry(k: $0.k, micro: $0.scores.micro, macro: $0.scores.macro) }
        definitions = Self.definitions
        let positives = evaluation.perClass.map(\.positives)
        chance = ChanceEntry(map: ChanceLevel.meanAveragePrecision(items: evaluation.items, positivesPerClass: positives),
                             microAP: ChanceLevel.microAveragePrecision(items: evaluation.items, positivesPerClass: positives))
    }

    /// The sentences written under `definitions`.
    public static let definitions: [String: String] = [
        "map": "mean over classes with at least one positive of scikit-learn average_precision_score "
            + "(SlowFast get_map, the official Animal Kingdom metric)",
        "micro_ap": "average_precision_score over all (item, class) pairs flattened",
        "segments.map": "mean AP of the segment's classes with at least one positive",
        "at_threshold": "a class is predicted when its score >= threshold; macro averages all classes, "
            + "0 where a ratio has a zero denominator (scikit-learn zero_division=0)",
        "at_top_k": "each item predicts its k highest-scoring classes (ties to the lower class id)",
        "chance": "expected map and micro_ap of independent uniformly random scores on the same labels, in closed form "
            + "(E[AP] = H_n/n + (m-1)(n-H_n)/(n(n-1)) for n items, m positives)",
    ]

    /// The pretty-printed JSON text, keys in a fixed order.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

extension MetricsReport {
    /// Writes `metrics.json` atomically.
    public func write(to url: URL) throws {
        try writeAtomically(jsonData(), to: url)
    }
}
