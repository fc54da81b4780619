/// Classifier scores for V items × K classes, row-major, all finite.
public struct ScoreMatrix: Sendable, Equatable {
    /// The number of items (videos), V.
    public let items: Int
    /// The number of classes, K.
    public let classes: Int
    /// `values[item * classes + class]`.
    public let values: [Float]

    /// Wraps a flat row-major (V, K) array; throws when its size or any value is wrong.
    public init(items: Int, classes: Int, values: [Float]) throws {
        guard items >= 0, classes >= 0, values.count == items * classes else {
            throw MetricsError.shapeMismatch(what: "scores", expected: max(0, items) * max(0, classes), actual: values.count)
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw MetricsError.nonFiniteScore(item: bad / classes, classIndex: bad % classes)
        }
        self.items = items
        self.classes = classes
        self.values = values
    }

    /// Flattens one row per item; every row must have the same length.
    public init(rows: [[Float]]) throws {
        let width = rows.first?.count ?? 0
        for (index, row) in rows.enumerated() where row.count != width {
            throw MetricsError.raggedRows(what: "scores", row: index, expected: width, actual: row.count)
        }
        try self.init(items: rows.count, classes: width, values: rows.flatMap { $0 })
    }

    /// The score of `item` for class `column`.
    public subscript(item: Int, column: Int) -> Float {
        values[item * classes + column]
    }

    /// The scores of every item for one class.
    public func column(_ column: Int) -> [Float] {
        (0..<items).map { values[$0 * classes + column] }
    }
}
