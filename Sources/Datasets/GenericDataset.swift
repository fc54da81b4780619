import Foundation

/// One row of a generic dataset's labels.csv.
public struct GenericLabelRow: Sendable, Equatable {
    /// The line number.
    public var line: Int
    /// The `video` column: a path relative to the dataset folder, or a video id.
    public var video: String
    /// The label tokens (integer ids or class names), trimmed, in file order.
    public var labels: [String]
    /// The optional `split` column's value (train, val, validation or test), or nil when the file has none.
    public var split: String?

    /// Creates a row.
    public init(line: Int, video: String, labels: [String], split: String? = nil) {
        self.line = line
        self.video = video
        self.labels = labels
        self.split = split
    }
}

/// A generic dataset: a folder with videos and `labels.csv` (`video,labels`, header required, optional `split`).
///
/// `labels` holds integer ids or, when the folder has `classes.txt` or `classes.csv`, class names;
/// several labels are separated by `;` (`2;5`), or by `,` inside a quoted field (`"2,5"`).
public enum GenericDataset {
    /// The file name of the label table.
    public static let labelsFile = "labels.csv"
    /// Extensions tried, in order, for a video given by id as `<folder>/<id>.<ext>`.
    public static let videoExtensions = ["mp4", "mkv", "webm", "mov", "avi", "m4v", "mpg", "mpeg"]

    /// Reads labels.csv. A row with the wrong number of fields or an empty `video` becomes a problem.
    public static func readLabelsCSV(_ url: URL) throws -> ParsedRows<GenericLabelRow> {
        let file = url.path
        let records: [CSVRecord]
        do { records = try CSV.records(try FileIO.bytes(of: url)) } catch let error as CSVSyntaxError {
            throw DatasetProblem(file: file, line: error.line, reason: error.reason)
        }
        guard let headerRecord = records.first else {
            throw DatasetProblem(file: file, line: 1, reason: "file is empty; expected header video,labels")
        }
        let header = CSVHeader(headerRecord.fields)
        guard let videoColumn = header.index(of: "video"), let labelsColumn = header.index(of: "labels") else {
            throw DatasetProblem(file: file, line: headerRecord.line, reason:
                "header must name columns video and labels; found '\(header.names.joined(separator: ","))'")
        }
        let splitColumn = header.index(of: "split")
        var rows: [GenericLabelRow] = []
        var problems: [DatasetProblem] = []
        for record in records.dropFirst() {
            let fields = record.fields
            let video = fields[min(videoColumn, fields.count - 1)].trimmingWhitespace
            guard fields.count == header.names.count else {
                problems.append(DatasetProblem(file: file, line: record.line, item: video.isEmpty ? nil : video, reason:
                    "expected \(header.names.count) comma-separated fields (\(header.names.joined(separator: ","))), found \(fields.count)"))
                continue
            }
            guard !video.isEmpty else {
                problems.append(DatasetProblem(file: file, line: record.line, reason: "empty video id"))
                continue
            }
            rows.append(GenericLabelRow(line: record.line, video: video, labels: LabelText.tokens(fields[labelsColumn]),
                                        split: splitColumn.map { fields[$0].trimmingWhitespace }))
        }
        return ParsedRows(rows: rows, problems: problems)
    }

    /// Writes labels.csv with header `video,labels`, labels joined by `;`.
    public static func writeLabelsCSV(rows: [(video: String, labels: [String])], to url: URL) throws {
        var text = CSV.line(["video", "labels"])
        for row in rows { text += CSV.line([row.video, row.labels.joined(separator: ";")]) }
        try FileIO.write(text, to: url)
    }
}
