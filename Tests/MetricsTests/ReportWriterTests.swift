import Foundation
import Metrics
import XCTest

/// metrics.json, per_class.csv and predictions.csv read back to what was written.
final class ReportWriterTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Three items, three classes with awkward names; class 2 has no positive.
    private func sample() throws -> (ScoreMatrix, LabelMatrix, [ClassInfo], Evaluation) {
        let scores = try ScoreMatrix(rows: [[0.91, 0.2, 0.55], [0.4, 0.75, 0.5], [0.1, 0.3, 0.05]])
        let labels = try LabelMatrix(rows: [[1, 0, 0], [0, 1, 0], [1, 1, 0]])
        let classes = [ClassInfo(id: 0, name: "Eating, quickly", segment: .head),
                       ClassInfo(id: 1, name: "Says \"hi\"", segment: .tail),
                       ClassInfo(id: 2, name: "Dancing")]
        let evaluation = try Evaluator(threshold: 0.5, topK: [1, 2]).evaluate(scores: scores, labels: labels, classes: classes)
        return (scores, labels, classes, evaluation)
    }

    func testMetricsJSONRoundTripsAndWritesAbsentMetricsAsNull() throws {
        let (_, _, _, evaluation) = try sample()
        let url = folder.appendingPathComponent("metrics.json")
        let report = MetricsReport(evaluation)
        try report.write(to: url)
        let data = try Data(contentsOf: url)
        XCTAssertEqual(try JSONDecoder().decode(MetricsReport.self, from: data), report)

        // Read independently of the Codable types: names and values as a person would look them up.
        // (JSONSerialization on Linux parses some doubles 1 ulp off, hence the tolerance; JSONDecoder
        // above and Python's json read the written text back exactly.)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(object["map"] as? Double), try XCTUnwrap(evaluation.meanAveragePrecision), accuracy: 1e-15)
        XCTAssertEqual(try XCTUnwrap(object["micro_ap"] as? Double), try XCTUnwrap(evaluation.microAveragePrecision), accuracy: 1e-15)
        let counts = try XCTUnwrap(object["counts"] as? [String: Any])
        XCTAssertEqual(counts["items"] as? Int, 3)
        XCTAssertEqual(counts["classes"] as? Int, 3)
        XCTAssertEqual(counts["classes_with_positives"] as? Int, 2)
        XCTAssertEqual(counts["positive_labels"] as? Int, 4)
        let segments = try XCTUnwrap(object["segments"] as? [[String: Any]])
        let middle = try XCTUnwrap(segments.first { $0["segment"] as? String == "middle" })
        XCTAssertTrue(middle["map"] is NSNull, "a segment without classes has map null, not a missing key")
        let threshold = try XCTUnwrap(object["at_threshold"] as? [String: Any])
        XCTAssertEqual(threshold["threshold"] as? Double, 0.5)
        let micro = try XCTUnwrap(threshold["micro"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(micro["f1"] as? Double), evaluation.atThreshold.micro.f1, accuracy: 1e-15)
        let topK = try XCTUnwrap(object["at_top_k"] as? [[String: Any]])
        XCTAssertEqual(topK.compactMap { $0["k"] as? Int }, [1, 2])
    }

    func testPerClassCSVRoundTrips() throws {
        let (_, _, _, evaluation) = try sample()
        let url = folder.appendingPathComponent("per_class.csv")
        try PerClassCSV.write(evaluation, to: url)
        let records = parseCSV(try String(contentsOf: url, encoding: .utf8))
        XCTAssertEqual(records.first, ["id", "name", "segment", "positives", "ap"])
        XCTAssertEqual(records.count, 4)
        for (record, result) in zip(records.dropFirst(), evaluation.perClass) {
            XCTAssertEqual(record.count, 5)
            XCTAssertEqual(Int(record[0]), result.info.id)
            XCTAssertEqual(record[1], result.info.name)
            XCTAssertEqual(record[2], result.info.segment?.rawValue ?? "")
            XCTAssertEqual(Int(record[3]), result.positives)
            XCTAssertEqual(record[4].isEmpty ? nil : Double(record[4]), result.averagePrecision, "exact round trip")
        }
    }

    func testPredictionsCSVRoundTrips() throws {
        let (scores, labels, classes, _) = try sample()
        let url = folder.appendingPathComponent("predictions.csv")
        let videos = ["v1", "clip,2", "v3"]
        try PredictionsCSV.write(videos: videos, scores: scores, classes: classes, threshold: 0.5, labels: labels, to: url)
        let records = parseCSV(try String(contentsOf: url, encoding: .utf8))
        XCTAssertEqual(records.first, ["video", "predicted", "scores", "actual"])
        XCTAssertEqual(records.dropFirst().map { $0[0] }, videos)
        // Item 0: 0.91 (class 0) and 0.55 (class 2) are ≥ 0.5, highest first.
        XCTAssertEqual(records[1][1].split(separator: ";").map(String.init), ["Eating, quickly", "Dancing"])
        XCTAssertEqual(records[1][2].split(separator: ";").compactMap { Float(String($0)) }, [0.91, 0.55])
        XCTAssertEqual(records[1][3], "Eating, quickly")
        // Item 1: 0.75 and 0.5 (at the threshold counts); item 2: nothing.
        XCTAssertEqual(records[2][1], "Says \"hi\";Dancing")
        XCTAssertEqual(records[3][1], "")
        XCTAssertEqual(records[3][3], "Eating, quickly;Says \"hi\"")
    }

    func testPredictionsRefuseNamesThatCannotBeListed() throws {
        let (scores, _, _, _) = try sample()
        let classes = [ClassInfo(id: 0, name: "a;b"), ClassInfo(id: 1, name: "c"), ClassInfo(id: 2, name: "d")]
        XCTAssertThrowsError(try PredictionsCSV.render(videos: ["1", "2", "3"], scores: scores, classes: classes, threshold: 0.5)) {
            XCTAssertEqual($0 as? MetricsError, .unwritableClassName(name: "a;b"))
        }
        XCTAssertThrowsError(try PredictionsCSV.render(videos: ["1"], scores: scores, classes: ClassInfo.numbered(3), threshold: 0.5))
    }

    func testFilesAreReplacedWholeAndNoTemporaryFileStays() throws {
        let (_, _, _, evaluation) = try sample()
        let written = try EvaluationFiles.write(evaluation, to: folder)
        try EvaluationFiles.write(evaluation, to: folder)  // over existing files
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertEqual(names, ["metrics.json", "per_class.csv", "per_class_ap.svg", "pr_curve.svg"])
        XCTAssertEqual(written.map(\.lastPathComponent).sorted(), names)
    }

    func testUnwritableDestinationIsATypedError() throws {
        let (_, _, _, evaluation) = try sample()
        let blocker = folder.appendingPathComponent("not-a-folder")
        try Data("x".utf8).write(to: blocker)
        XCTAssertThrowsError(try PerClassCSV.write(evaluation, to: blocker.appendingPathComponent("per_class.csv"))) { error in
            guard case .unwritable = error as? MetricsError else { return XCTFail("got \(error)") }
        }
    }
}
