import Foundation

/// Why a metric could not be computed or a report could not be written.
public enum MetricsError: Error, Equatable, LocalizedError {
    /// A matrix's flat storage does not hold `items × classes` values.
    case shapeMismatch(what: String, expected: Int, actual: Int)
    /// A row of a nested array has a different length than the first row.
    case raggedRows(what: String, row: Int, expected: Int, actual: Int)
    /// Scores and labels (or video ids, or class descriptions) disagree in size.
    case dimensionMismatch(what: String, expected: Int, actual: Int)
    /// A score is NaN or infinite; scikit-learn rejects those too.
    case nonFiniteScore(item: Int, classIndex: Int)
    /// A label is neither 0 nor 1.
    case invalidLabel(item: Int, classIndex: Int, value: UInt8)
    /// The class descriptions are not ids `0..<K` in order.
    case classIdOutOfOrder(position: Int, id: Int)
    /// A top-k request with k outside `1...classes`.
    case invalidTopK(k: Int, classes: Int)
    /// A class name that cannot be written into a `;`-joined list.
    case unwritableClassName(name: String)
    /// A file could not be written; `reason` is the system's message.
    case unwritable(path: String, reason: String)

    /// A sentence that says what went wrong and what to check.
    public var errorDescription: String? {
        switch self {
        case let .shapeMismatch(what, expected, actual):
            return "\(what) holds \(actual) values but its shape needs \(expected)"
        case let .raggedRows(what, row, expected, actual):
            return "\(what) row \(row) has \(actual) columns, row 0 has \(expected)"
        case let .dimensionMismatch(what, expected, actual):
            return "\(what): expected \(expected), got \(actual)"
        case let .nonFiniteScore(item, classIndex):
            return "score of item \(item), class \(classIndex) is NaN or infinite"
        case let .invalidLabel(item, classIndex, value):
            return "label of item \(item), class \(classIndex) is \(value); labels must be 0 or 1"
        case let .classIdOutOfOrder(position, id):
            return "class description \(position) has id \(id); ids must be 0, 1, 2, … in column order"
        case let .invalidTopK(k, classes):
            return "top-\(k) needs 1 ≤ k ≤ \(classes) (the number of classes)"
        case let .unwritableClassName(name):
            return "class name \(name.debugDescription) contains ';' or a line break and cannot be listed"
        case let .unwritable(path, reason):
            return "cannot write \(path): \(reason)"
        }
    }
}
