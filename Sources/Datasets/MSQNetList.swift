import Foundation

// Format learned from MSQNet's repository, mondalanindya/MSQNet:
// multi-label-action-main/utility/lighter_annotations.py turns Animal Kingdom's per-frame
// annotation/train.csv into train_light.csv: header `video_id;labels`, one row per clip, written by
// Python's csv.writer with delimiter ';', the id being `original_vido_id` and the labels the comma-separated
// ids of the clip's FIRST frame row with non-empty labels (not the union), e.g. `AAACXZTV;2,40`.
// multi-label-action-main/datasets/datasets.py (class AnimalKingdom) reads it with
// csv.DictReader(delimiter=';') from <root>/action_recognition/annotation/<mode>_light.csv, mode train/val,
// and takes the frames from <root>/action_recognition/dataset/image/<video_id>/.

/// One row of an MSQNet "light" annotation file.
public struct MSQNetRow: Sendable, Equatable {
    /// The line number.
    public var line: Int
    /// The clip id.
    public var id: String
    /// The label ids in file order.
    public var labels: [Int]

    /// Creates a row.
    public init(line: Int, id: String, labels: [Int]) {
        self.line = line
        self.id = id
        self.labels = labels
    }
}

/// MSQNet's `train_light.csv` / `val_light.csv`: `video_id;labels` per clip, labels comma-separated.
public enum MSQNetList {
    /// Reads a list. The header `video_id;labels` is optional; a row must have two fields, a non-empty
    /// id, and integer labels, else it becomes a problem.
    public static func read(_ url: URL) throws -> ParsedRows<MSQNetRow> {
        let file = url.path
        let records: [CSVRecord]
        do { records = try CSV.records(try FileIO.bytes(of: url), delimiter: ";") } catch let error as CSVSyntaxError {
            throw DatasetProblem(file: file, line: error.line, reason: error.reason)
        }
        var rows: [MSQNetRow] = []
        var problems: [DatasetProblem] = []
        for (position, record) in records.enumerated() {
            let fields = record.fields.map { $0.trimmingWhitespace }
            if position == 0 && fields.first == "video_id" { continue }
            let id = fields[0]
            guard fields.count == 2 else {
                problems.append(DatasetProblem(file: file, line: record.line, item: id.isEmpty ? nil : id,
                                               reason: "expected 2 ';'-separated fields (video_id;labels), found \(fields.count)"))
                continue
            }
            guard !id.isEmpty else {
                problems.append(DatasetProblem(file: file, line: record.line, reason: "empty video id"))
                continue
            }
            switch LabelText.integers(fields[1], separators: [","]) {
            case .success(let labels): rows.append(MSQNetRow(line: record.line, id: id, labels: labels))
            case .failure(let bad): problems.append(DatasetProblem(file: file, line: record.line, item: id, reason: bad.reason))
            }
        }
        return ParsedRows(rows: rows, problems: problems)
    }

    /// Writes a list with the header `video_id;labels`.
    public static func write(videos: [(id: String, labels: [Int])], to url: URL) throws {
        var text = CSV.line(["video_id", "labels"], delimiter: ";")
        for video in videos {
            text += CSV.line([video.id, video.labels.map(String.init).joined(separator: ",")], delimiter: ";")
        }
        try FileIO.write(text, to: url)
    }
}
