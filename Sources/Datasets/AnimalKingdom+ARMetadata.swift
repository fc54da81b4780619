import Foundation

// AR_metadata is Animal Kingdom's one-row-per-clip table (the `AR` sheet of AR_metadata.xlsx, saved as CSV):
// `S/N,video_id,type,labels,list_animal_action`, type `train` or `test` (`test` is the validation split),
// labels comma-separated 0-based ids, quoted when there is more than one ("2,40").

/// One clip of AR_metadata.
public struct ARMetadataRow: Sendable, Equatable {
    /// The row's 1-based line.
    public var line: Int
    /// The clip id (`video_id`).
    public var id: String
    /// `train`, or `val` for the file's `test`.
    public var split: Split
    /// The label ids in file order.
    public var labels: [Int]

    /// Creates a row.
    public init(line: Int, id: String, split: Split, labels: [Int]) {
        self.line = line
        self.id = id
        self.split = split
        self.labels = labels
    }
}

extension AnimalKingdom {
    /// Reads AR metadata: a header naming `video_id`, `type` and `labels`, other columns ignored.
    ///
    /// A row with the wrong number of fields, an empty id, a type other than train/test/val, or a label
    /// that is not an integer becomes a problem and is left out.
    public static func readARMetadata(_ url: URL) throws -> ParsedRows<ARMetadataRow> {
        try readARMetadata(bytes: FileIO.bytes(of: url), file: url.path)
    }

    static func readARMetadata(bytes: [UInt8], file: String) throws -> ParsedRows<ARMetadataRow> {
        let records: [CSVRecord]
        do { records = try CSV.records(bytes) } catch let error as CSVSyntaxError {
            throw DatasetProblem(file: file, line: error.line, reason: error.reason)
        }
        guard let headerRecord = records.first else {
            throw DatasetProblem(file: file, line: 1, reason: "file is empty; expected header video_id,type,labels")
        }
        let header = CSVHeader(headerRecord.fields)
        guard let idColumn = header.index(of: "video_id"), let typeColumn = header.index(of: "type"),
              let labelsColumn = header.index(of: "labels") else {
            throw DatasetProblem(file: file, line: headerRecord.line, reason:
                "header must name columns video_id, type and labels; found '\(header.names.joined(separator: ","))'")
        }
        var rows: [ARMetadataRow] = []
        var problems: [DatasetProblem] = []
        rows.reserveCapacity(records.count)
        for record in records.dropFirst() {
            let fields = record.fields
            let id = fields[min(idColumn, fields.count - 1)].trimmingWhitespace
            func reject(_ reason: String) {
                problems.append(DatasetProblem(file: file, line: record.line, item: id.isEmpty ? nil : id, reason: reason))
            }
            guard fields.count == header.names.count else {
                reject("expected \(header.names.count) comma-separated fields (\(header.names.joined(separator: ","))), found \(fields.count)")
                continue
            }
            guard !id.isEmpty else { reject("empty video id"); continue }
            guard let split = Split(annotation: fields[typeColumn]) else {
                reject("type '\(fields[typeColumn])' is not train or test")
                continue
            }
            switch LabelText.integers(fields[labelsColumn], separators: [","]) {
            case .success(let labels):
                rows.append(ARMetadataRow(line: record.line, id: id, split: split, labels: labels))
            case .failure(let bad):
                reject(bad.reason)
            }
        }
        return ParsedRows(rows: rows, problems: problems)
    }

    /// Writes AR metadata with columns `S/N,video_id,type,labels` (S/N from 1; `val` written as `test`).
    public static func writeARMetadata(videos: [(id: String, split: Split, labels: [Int])], to url: URL) throws {
        var text = CSV.line(["S/N", "video_id", "type", "labels"])
        for (index, video) in videos.enumerated() {
            text += CSV.line([String(index + 1), video.id, video.split == .train ? "train" : "test",
                              video.labels.map(String.init).joined(separator: ",")])
        }
        try FileIO.write(text, to: url)
    }
}
