/// Multi-hot ground truth for V items × K classes, row-major, every value 0 or 1.
public struct LabelMatrix: Sendable, Equatable {
    /// The number of items (videos), V.
    public let items: Int
    /// The number of classes, K.
    public let classes: Int
    /// `values[item * classes + class]`, 1 where the item shows the class.
    public let values: [UInt8]

    /// Wraps a flat row-major (V, K) array; throws when its size or any value is wrong.
    public init(items: Int, classes: Int, values: [UInt8]) throws {
        guard items >= 0, classes >= 0, values.count == items * classes else {
            throw MetricsError.shapeMismatch(what: "labels", expected: max(0, items) * max(0, classes), actual: values.count)
        }
        if let bad = values.firstIndex(where: { $0 > 1 }) {
            throw MetricsError.invalidLabel(item: bad / classes, classIndex: bad % classes, value: values[bad])
        }
        self.items = items
        self.classes = classes
        self.values = values
    }

    /// Flattens one row per item; every row must have the same length.
    public init(rows: [[UInt8]]) throws {
        let width = rows.first?.count ?? 0
        for (index, row) in rows.enumerated() where row.count != width {
            throw MetricsError.raggedRows(what: "labels", row: index, expected: width, actual: row.count)
        }
        try self.init(items: rows.count, classes: width, values: rows.flatMap { $0 })
    }

    /// 1 when `item` shows class `column`.
    public subscript(item: Int, column: Int) -> UInt8 {
        values[item * classes + column]
    }

    /// The labels of every item for one class.
    public func column(_ column: Int) -> [UInt8] {
        (0..<items).map { values[$0 * classes + column] }
    }

    /// How many items show each class.
    public func positivesPerClass() -> [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for item in 0..<items {
            let base = item * classes
            for column in 0..<classes { counts[column] += Int(values[base + column]) }
        }
        return counts
    }
}
