import Foundation

/// Errors that stop a dataset from being read at all (as opposed to a bad row, which is a `DatasetProblem`).
public enum DatasetError: Error, LocalizedError, Sendable, Equatable {
    /// A required annotation file is absent; `expected` names the files that would have been accepted.
    case missingAnnotation(path: String, expected: [String])
    /// The root matches no supported layout; `expected` lists what was looked for.
    case unknownLayout(root: String, expected: [String])
    /// A file could not be read or written; `reason` is the system's explanation.
    case fileAccess(path: String, reason: String)
    /// A spreadsheet could not be read; the text names the file, the sheet and the cell.
    case spreadsheet(String)
    /// A dataset folder whose annotations match no known format; `found` says what it does hold.
    case noAnnotations(root: String, expected: [String], found: [String])

    /// A sentence that names the path and what to do about it.
    public var errorDescription: String? {
        switch self {
        case let .missingAnnotation(path, expected):
            return "annotation file \(path) does not exist; expected \(expected.joined(separator: " or "))"
        case let .unknownLayout(root, expected):
            return "\(root) is not a dataset: expected \(expected.joined(separator: " or "))"
        case let .fileAccess(path, reason):
            return "\(path): \(reason)"
        case let .spreadsheet(text):
            return text
        case let .noAnnotations(root, expected, found):
            let held = found.isEmpty ? "the folder holds no annotation files" : "found \(found.joined(separator: ", "))"
            return "\(root): no annotations in a known format: \(held); expected \(expected.joined(separator: " or "))"
        }
    }
}
