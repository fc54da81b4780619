import Foundation

/// Writes an evaluation's standard files into one folder, each atomically.
public enum EvaluationFiles {
    /// The file names, as written.
    public static let metricsJSON = "metrics.json"
    /// Per-class AP table.
    public static let perClassCSV = "per_class.csv"
    /// Per-class AP bar chart.
    public static let perClassChart = "per_class_ap.svg"
    /// Micro precision–recall chart.
    public static let prCurveChart = "pr_curve.svg"

    /// Writes `metrics.json`, `per_class.csv`, `per_class_ap.svg` and `pr_curve.svg`; returns their URLs.
    @discardableResult
    public static func write(_ evaluation: Evaluation, to directory: URL) throws -> [URL] {
        let metrics = directory.appendingPathComponent(metricsJSON)
        let perClass = directory.appendingPathComponent(perClassCSV)
        let bars = directory.appendingPathComponent(perClassChart)
        let curve = directory.appendingPathComponent(prCurveChart)
        try MetricsReport(evaluation).write(to: metrics)
        try PerClassCSV.write(evaluation, to: perClass)
        try writeAtomically(Data(APBarChart.svg(evaluation).utf8), to: bars)
        try writeAtomically(Data(PRCurveChart.svg(evaluation).utf8), to: curve)
        return [metrics, perClass, bars, curve]
    }
}
