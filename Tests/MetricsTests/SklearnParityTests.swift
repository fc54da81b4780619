import Foundation
import Metrics
import XCTest

/// Every number against scikit-learn, which computes it from the same seeded scores at test time
/// (make_sklearn_reference.py: V = 50, K = 12, scores rounded to 2 decimals so they tie, one class
/// without positives, one with a single positive, one positive everywhere).
final class SklearnParityTests: XCTestCase {
    private struct Reference: Decodable {
        var items: Int
        var classes: Int
        var segments: [String]
        var scores: [Double]
        var labels: [UInt8]
        var per_class_ap: [Double?]
        var slowfast_map: Double
        var micro_ap: Double
        var segment_map: [String: Double?]
        var threshold: Float
        var at_threshold: [String: Triple]
        var top_k: [String: [String: Triple]]
        var micro_curve: Curve

        struct Triple: Decodable { var precision: Double; var recall: Double; var f1: Double }
        struct Curve: Decodable { var precision: [Double]; var recall: [Double]; var thresholds: [Double] }
    }

    private static let tolerance = 1e-12
    private var reference: Reference!
    private var evaluation: Evaluation!
    private var scores: ScoreMatrix!
    private var labels: LabelMatrix!

    /// The script's output (or why there is none), produced once for all tests of this class.
    nonisolated(unsafe) private static var cached: Result<Reference, Error>?

    private static func loadReference() throws -> Reference {
        if let cached { return try cached.get() }
        let result = Result<Reference, Error> {
            try PythonReference.require(["numpy", "sklearn"])
            let folder = try makeTemporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let output = folder.appendingPathComponent("reference.json")
            try PythonReference.runScript("make_sklearn_reference.py", [output.path])
            return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: output))
        }
        cached = result
        return try result.get()
    }

    override func setUpWithError() throws {
        reference = try Self.loadReference()
        // The script wrote float32 values widened to double; narrowing them back is exact.
        scores = try ScoreMatrix(items: reference.items, classes: reference.classes, values: reference.scores.map { Float($0) })
        labels = try LabelMatrix(items: reference.items, classes: reference.classes, values: reference.labels)
        let classes = reference.segments.enumerated().map { ClassInfo(id: $0.offset, name: "c\($0.offset)", segment: Segment(rawValue: $0.element)) }
        evaluation = try Evaluator(threshold: reference.threshold, topK: [1, 3]).evaluate(scores: scores, labels: labels, classes: classes)
    }

    func testTheFixtureHasTiesAndEdgeClasses() {
        XCTAssertLessThan(Set(reference.scores).count, reference.scores.count / 4, "scores should tie heavily")
        XCTAssertTrue(reference.per_class_ap.contains { $0 == nil }, "one class has no positive")
        XCTAssertTrue(evaluation.perClass.contains { $0.positives == 1 })
        XCTAssertTrue(evaluation.perClass.contains { $0.positives == reference.items })
    }

    func testPerClassAPMatchesAveragePrecisionScore() throws {
        let ours = try perClassAveragePrecision(scores: scores, labels: labels)
        XCTAssertEqual(ours.count, reference.per_class_ap.count)
        for (column, (mine, theirs)) in zip(ours, reference.per_class_ap).enumerated() {
            if let theirs {
                XCTAssertEqual(try XCTUnwrap(mine, "class \(column)"), theirs, accuracy: Self.tolerance, "class \(column)")
            } else {
                XCTAssertNil(mine, "class \(column) has no positive")
            }
        }
    }

    func testMeanAPMatchesSlowFastGetMap() throws {
        XCTAssertEqual(try XCTUnwrap(evaluation.meanAveragePrecision), reference.slowfast_map, accuracy: Self.tolerance)
        // Averaging over all 12 classes (a missing class as 0) would differ: the filter matters.
        let zeroFilled = reference.per_class_ap.map { $0 ?? 0 }.reduce(0, +) / Double(reference.classes)
        XCTAssertGreaterThan(abs(zeroFilled - reference.slowfast_map), 1e-3)
    }

    func testMicroAPMatchesTheFlattenedScore() throws {
        XCTAssertEqual(try XCTUnwrap(microAveragePrecision(scores: scores, labels: labels)), reference.micro_ap, accuracy: Self.tolerance)
        XCTAssertEqual(try XCTUnwrap(evaluation.microAveragePrecision), reference.micro_ap, accuracy: Self.tolerance)
    }

    func testSegmentMeans() throws {
        for segment in evaluation.segments {
            let theirs = try XCTUnwrap(reference.segment_map[segment.segment.rawValue])
            XCTAssertEqual(try XCTUnwrap(segment.meanAveragePrecision), try XCTUnwrap(theirs), accuracy: Self.tolerance, segment.segment.rawValue)
        }
    }

    func testPrecisionRecallF1AtTheThreshold() throws {
        try compare(evaluation.atThreshold, reference.at_threshold, "threshold")
    }

    func testPrecisionRecallF1AtTopK() throws {
        XCTAssertEqual(evaluation.atTopK.map(\.k), [1, 3])
        for result in evaluation.atTopK {
            try compare(result.scores, try XCTUnwrap(reference.top_k[String(result.k)]), "top-\(result.k)")
        }
    }

    func testMicroCurveMatchesPrecisionRecallCurve() {
        // scikit-learn lists the lowest threshold first and appends (precision 1, recall 0).
        let theirs = reference.micro_curve
        let points = evaluation.microCurve.points
        XCTAssertEqual(points.count, theirs.thresholds.count)
        for (point, index) in zip(points, theirs.thresholds.indices.reversed()) {
            XCTAssertEqual(Double(point.threshold), theirs.thresholds[index])
            XCTAssertEqual(point.precision, theirs.precision[index], accuracy: Self.tolerance)
            XCTAssertEqual(point.recall, theirs.recall[index], accuracy: Self.tolerance)
        }
    }

    private func compare(_ ours: AveragedScores, _ theirs: [String: Reference.Triple], _ what: String) throws {
        for (name, mine) in [("micro", ours.micro), ("macro", ours.macro)] {
            let expected = try XCTUnwrap(theirs[name])
            XCTAssertEqual(mine.precision, expected.precision, accuracy: Self.tolerance, "\(what) \(name) precision")
            XCTAssertEqual(mine.recall, expected.recall, accuracy: Self.tolerance, "\(what) \(name) recall")
            XCTAssertEqual(mine.f1, expected.f1, accuracy: Self.tolerance, "\(what) \(name) F1")
        }
    }
}
