import Foundation

/// The thresholded predictions per video, for a person to read: `video,predicted,scores[,actual]`.
///
/// `predicted` joins the predicted class names with `;`, highest score first; `scores` joins their
/// scores in the same order; `actual`, present when labels are given, joins the labelled classes.
public enum PredictionsCSV {
    /// The file's text.
    public static func render(videos: [String], scores: ScoreMatrix, classes: [ClassInfo], threshold: Float,
                              labels: LabelMatrix? = nil) throws -> String {
        guard videos.count == scores.items else {
            throw MetricsError.dimensionMismatch(what: "video ids for the score rows", expected: scores.items, actual: videos.count)
        }
        guard classes.count == scores.classes else {
            throw MetricsError.dimensionMismatch(what: "class descriptions for the score columns", expected: scores.classes, actual: classes.count)
        }
        if let labels { try validateSameShape(scores: scores, labels: labels) }
        if let bad = classes.first(where: { $0.name.contains(where: { $0 == ";" || $0.isNewline }) }) {
            throw MetricsError.unwritableClassName(name: bad.name)
        }
        let predictions = PredictedClasses.atThreshold(threshold, scores: scores)
        var csv = CSVText()
        csv.append(["video", "predicted", "scores"] + (labels == nil ? [] : ["actual"]))
        for (item, video) in videos.enumerated() {
            let columns = predictions.perItem[item]
            var row = [video,
                       columns.map { classes[$0].name }.joined(separator: ";"),
                       columns.map { "\(scores[item, $0])" }.joined(separator: ";")]
            if let labels {
                row.append((0..<labels.classes).filter { labels[item, $0] == 1 }.map { classes[$0].name }.joined(separator: ";"))
            }
            csv.append(row)
        }
        return csv.text
    }

    /// Writes the file atomically.
    public static func write(videos: [String], scores: ScoreMatrix, classes: [ClassInfo], threshold: Float,
                             labels: LabelMatrix? = nil, to url: URL) throws {
        let text = try render(videos: videos, scores: scores, classes: classes, threshold: threshold, labels: labels)
        try writeAtomically(Data(text.utf8), to: url)
    }
}
