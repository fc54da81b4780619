/// Hard predictions: for each item, the classes it is predicted to show, highest score first.
public struct PredictedClasses: Sendable, Equatable {
    /// `perItem[i]` lists class columns for item i, by descending score (lower column first on ties).
    public let perItem: [[Int]]

    /// Wraps lists of class columns per item.
    public init(perItem: [[Int]]) {
        self.perItem = perItem
    }

    /// Every class whose score is ≥ `threshold`.
    public static func atThreshold(_ threshold: Float, scores: ScoreMatrix) -> PredictedClasses {
        PredictedClasses(perItem: (0..<scores.items).map { item in
            ranked(item: item, columns: (0..<scores.classes).filter { scores[item, $0] >= threshold }, scores: scores)
        })
    }

    /// The `k` highest-scoring classes of every item; ties go to the lower column, as a stable sort would.
    public static func topK(_ k: Int, scores: ScoreMatrix) throws -> PredictedClasses {
        try topK([k], scores: scores)[0]
    }

    /// The top-k predictions for several k at once, from one pass over the scores.
    public static func topK(_ ks: [Int], scores: ScoreMatrix) throws -> [PredictedClasses] {
        for k in ks where k < 1 || k > scores.classes { throw MetricsError.invalidTopK(k: k, classes: scores.classes) }
        let deepest = (0..<scores.items).map { highest(ks.max() ?? 0, item: $0, scores: scores) }
        return ks.map { k in PredictedClasses(perItem: deepest.map { Array($0.prefix(k)) }) }
    }

    /// Counts per class against the labels.
    public func counts(against labels: LabelMatrix) throws -> [ConfusionCounts] {
        guard perItem.count == labels.items else {
            throw MetricsError.dimensionMismatch(what: "label rows (items)", expected: perItem.count, actual: labels.items)
        }
        var counts = [ConfusionCounts](repeating: ConfusionCounts(), count: labels.classes)
        var predicted = [Bool](repeating: false, count: labels.classes)
        for (item, columns) in perItem.enumerated() {
            for column in columns {
                guard column >= 0, column < labels.classes else {
                    throw MetricsError.dimensionMismatch(what: "predicted class column", expected: labels.classes, actual: column)
                }
                predicted[column] = true
            }
            for column in 0..<labels.classes {
                switch (predicted[column], labels[item, column] == 1) {
                case (true, true): counts[column].truePositives += 1
                case (true, false): counts[column].falsePositives += 1
                case (false, true): counts[column].falseNegatives += 1
                case (false, false): break
                }
                predicted[column] = false
            }
        }
        return counts
    }

    /// The `count` best columns of one item, best first, lower column first on ties: an insertion
    /// into a short sorted list, O(K·count) instead of sorting all K columns.
    private static func highest(_ count: Int, item: Int, scores: ScoreMatrix) -> [Int] {
        guard count > 0 else { return [] }
        let base = item * scores.classes
        var best: [Int] = []
        best.reserveCapacity(count + 1)
        for column in 0..<scores.classes {
            let score = scores.values[base + column]
            // Columns arrive in ascending order, so an equal score never displaces an earlier column.
            if best.count == count && score <= scores.values[base + best[count - 1]] { continue }
            var position = best.count
            while position > 0 && scores.values[base + best[position - 1]] < score { position -= 1 }
            best.insert(column, at: position)
            if best.count > count { best.removeLast() }
        }
        return best
    }

    /// `columns` of one item by descending score, lower column first on ties.
    private static func ranked(item: Int, columns: [Int], scores: ScoreMatrix) -> [Int] {
        let base = item * scores.classes
        return columns.sorted { a, b in
            let sa = scores.values[base + a], sb = scores.values[base + b]
            return sa != sb ? sa > sb : a < b
        }
    }
}
