import Foundation

/// `per_class.csv`: one row per class with its segment, positive count and AP.
public enum PerClassCSV {
    /// The header row.
    public static let header = ["id", "name", "segment", "positives", "ap"]

    /// The file's text; `ap` is empty for a class without positives, `segment` empty when unknown.
    public static func render(_ evaluation: Evaluation) -> String {
        var csv = CSVText()
        csv.append(header)
        for result in evaluation.perClass {
            csv.append([String(result.info.id), result.info.name, result.info.segment?.rawValue ?? "",
                        String(result.positives), formatNumber(result.averagePrecision)])
        }
        return csv.text
    }

    /// Writes the file atomically.
    public static func write(_ evaluation: Evaluation, to url: URL) throws {
        try writeAtomically(Data(render(evaluation).utf8), to: url)
    }
}
