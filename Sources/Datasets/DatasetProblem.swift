import Foundation

/// One bad row or item in a dataset's annotations: where it is, which video it concerns, and what is wrong.
///
/// Readers collect these instead of stopping at the first; `DatasetLoader` either throws the first one
/// or, with `continueOnError`, skips the item and keeps the problem in `VideoDataset.problems`.
public struct DatasetProblem: Error, LocalizedError, Sendable, Equatable {
    /// The file the problem is in, as given to the reader (the loader shows it relative to the dataset root).
    public var file: String
    /// The 1-based line of the row, when the problem belongs to one.
    public var line: Int?
    /// The video id the row describes, when it could be read.
    public var item: String?
    /// What is wrong, in words a user can act on.
    public var reason: String
    /// The worksheet, when the file is a spreadsheet (`line` is then its row number).
    public var sheet: String?

    /// Creates a problem; `line` and `item` are optional context.
    public init(file: String, line: Int? = nil, item: String? = nil, reason: String) {
        self.file = file
        self.line = line
        self.item = item
        self.reason = reason
    }

    /// `file:line: video ID: reason`, leaving out the parts that are unknown.
    public var errorDescription: String? {
        var text = file
        if let sheet { text += ":" + sheet }
        if let line { text += sheet == nil ? ":\(line)" : " row \(line)" }
        text += ": "
        if let item, !item.isEmpty { text += "video \(item): " }
        return text + reason
    }

    /// The same problem with `file` replaced, used to show paths relative to a dataset root.
    func inFile(_ name: String) -> DatasetProblem {
        var copy = self
        copy.file = name
        return copy
    }
}
