import Foundation

// Format learned from ViMoCLIP's repository, MarcosRodrigoT/VIMO-CLIP:
// dataset/annotations/train_multi.txt and val_multi.txt hold one clip per line, the video file name followed
// by ALL of its label ids, whitespace-separated and padded for alignment, e.g.
// ` AACJGIQR.mp4                        102 1 39 8 120 97` (AR_metadata has labels "102,1,39,8,120,97" for
// that clip: the numbers after the file are labels in AR order, not a frame count).
// extract_embeddings.py reads it with `line.strip().split()`: `video_id = fields[0]`, `labels = fields[1:]`,
// and opens `dataset/videos/<fields[0]>`. There is no header. Class names come from
// dataset/annotations/ak_action.csv (`id,name`).

/// One line of a ViMoCLIP list file.
public struct ViMoCLIPRow: Sendable, Equatable {
    /// The line number.
    public var line: Int
    /// The video file name as written, e.g. `AACJGIQR.mp4`.
    public var video: String
    /// The clip id: the file name without its extension.
    public var id: String
    /// The label ids in file order.
    public var labels: [Int]

    /// Creates a row.
    public init(line: Int, video: String, id: String, labels: [Int]) {
        self.line = line
        self.video = video
        self.id = id
        self.labels = labels
    }
}

/// ViMoCLIP's `train_multi.txt` / `val_multi.txt`: `<video file> <label> <label>…` per line.
public enum ViMoCLIPList {
    /// Reads a list; blank lines are skipped, a non-integer label makes the line a problem.
    public static func read(_ url: URL) throws -> ParsedRows<ViMoCLIPRow> {
        let text = String(decoding: try FileIO.bytes(of: url), as: UTF8.self)
        var rows: [ViMoCLIPRow] = []
        var problems: [DatasetProblem] = []
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let fields = rawLine.split(whereSeparator: { $0.isWhitespace }).map(String.init)
            guard let video = fields.first else { continue }
            let id = (video as NSString).deletingPathExtension
            let line = index + 1
            var labels: [Int] = []
            var bad: String?
            for token in fields.dropFirst() {
                guard let label = Int(token) else { bad = token; break }
                labels.append(label)
            }
            if let bad {
                problems.append(DatasetProblem(file: url.path, line: line, item: id, reason: "label '\(bad)' is not an integer id"))
            } else {
                rows.append(ViMoCLIPRow(line: line, video: video, id: id, labels: labels))
            }
        }
        return ParsedRows(rows: rows, problems: problems)
    }

    /// Writes a list: `<id>.<fileExtension>` then the labels, separated by single spaces.
    public static func write(videos: [(id: String, labels: [Int])], to url: URL, fileExtension: String = "mp4") throws {
        var text = ""
        for video in videos {
            text += ([video.id + "." + fileExtension] + video.labels.map(String.init)).joined(separator: " ") + "\n"
        }
        try FileIO.write(text, to: url)
    }
}
