import Metrics
import XCTest

/// Segment means, hard predictions (threshold and top-k) and input checks, on hand-made cases.
final class SegmentAndPredictionTests: XCTestCase {
    /// Four items, five classes, columns chosen so each AP is obvious:
    /// c0 head  [0.9 0.8 0.7 0.6] / [1 1 0 0] → both positives on top: AP 1
    /// c1 head  [0.9 0.8 0.7 0.6] / [0 1 0 0] → positive second: AP 1/2
    /// c2 middle                   / [0 0 0 0] → no positive: no AP
    /// c3 tail  [0.1 0.2 0.3 0.4] / [1 0 0 0] → positive last: AP 1/4
    /// c4 none  [0.5 0.5 0.5 0.5] / [0 0 1 0] → one tied step: AP 1/4
    private func handMade() throws -> (ScoreMatrix, LabelMatrix, [ClassInfo]) {
        let columns: [[Float]] = [[0.9, 0.8, 0.7, 0.6], [0.9, 0.8, 0.7, 0.6], [0.3, 0.3, 0.9, 0.1],
                                  [0.1, 0.2, 0.3, 0.4], [0.5, 0.5, 0.5, 0.5]]
        let labelColumns: [[UInt8]] = [[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0]]
        let scores = try ScoreMatrix(rows: (0..<4).map { item in columns.map { $0[item] } })
        let labels = try LabelMatrix(rows: (0..<4).map { item in labelColumns.map { $0[item] } })
        let classes = [ClassInfo(id: 0, name: "a", segment: .head), ClassInfo(id: 1, name: "b", segment: .head),
                       ClassInfo(id: 2, name: "c", segment: .middle), ClassInfo(id: 3, name: "d", segment: .tail),
                       ClassInfo(id: 4, name: "e")]
        return (scores, labels, classes)
    }

    func testSegmentMeansUseOnlyClassesWithPositives() throws {
        let (scores, labels, classes) = try handMade()
        let evaluation = try Evaluator(topK: [1]).evaluate(scores: scores, labels: labels, classes: classes)
        XCTAssertEqual(evaluation.perClass.map(\.averagePrecision), [1, 0.5, nil, 0.25, 0.25])
        XCTAssertEqual(evaluation.perClass.map(\.positives), [2, 1, 0, 1, 1])
        let bySegment = Dictionary(uniqueKeysWithValues: evaluation.segments.map { ($0.segment, $0) })
        XCTAssertEqual(evaluation.segments.map(\.segment), [.head, .middle, .tail])
        XCTAssertEqual(try XCTUnwrap(bySegment[.head]?.meanAveragePrecision), 0.75, accuracy: 1e-15)  // (1 + 1/2) / 2
        XCTAssertNil(try XCTUnwrap(bySegment[.middle]).meanAveragePrecision)                           // its one class has no positive
        XCTAssertEqual(bySegment[.middle]?.classes, 1)
        XCTAssertEqual(bySegment[.middle]?.classesWithPositives, 0)
        XCTAssertEqual(try XCTUnwrap(bySegment[.tail]?.meanAveragePrecision), 0.25, accuracy: 1e-15)
        // Overall: (1 + 1/2 + 1/4 + 1/4) / 4 — c2 is left out, c4 (no segment) is in.
        XCTAssertEqual(try XCTUnwrap(evaluation.meanAveragePrecision), 0.5, accuracy: 1e-15)
        XCTAssertEqual(evaluation.classesWithPositives, 4)
    }

    /// Two items, three classes, with ties that only the column order settles:
    /// item 0 scores [0.2 0.7 0.7] labels [0 0 1]; item 1 scores [0.6 0.6 0.1] labels [1 0 0].
    private func tied() throws -> (ScoreMatrix, LabelMatrix) {
        (try ScoreMatrix(rows: [[0.2, 0.7, 0.7], [0.6, 0.6, 0.1]]), try LabelMatrix(rows: [[0, 0, 1], [1, 0, 0]]))
    }

    func testTopOneBreaksTiesTowardTheLowerClass() throws {
        let (scores, labels) = try tied()
        let predictions = try PredictedClasses.topK(1, scores: scores)
        XCTAssertEqual(predictions.perItem, [[1], [0]])
        let counts = try predictions.counts(against: labels)
        XCTAssertEqual(counts, [ConfusionCounts(truePositives: 1), ConfusionCounts(falsePositives: 1),
                                ConfusionCounts(falseNegatives: 1)])
        // micro: tp 1, fp 1, fn 1 → P = R = F1 = 1/2.
        // macro: P [1, 0, 0], R [1, 0 (no positive), 0], F1 [1, 0, 0] → 1/3 each.
        let averaged = AveragedScores(perClass: counts)
        XCTAssertEqual(averaged.micro, PrecisionRecallF1(precision: 0.5, recall: 0.5, f1: 0.5))
        XCTAssertEqual(averaged.macro.precision, 1.0 / 3.0, accuracy: 1e-15)
        XCTAssertEqual(averaged.macro.recall, 1.0 / 3.0, accuracy: 1e-15)
        XCTAssertEqual(averaged.macro.f1, 1.0 / 3.0, accuracy: 1e-15)
    }

    func testTopTwo() throws {
        let (scores, labels) = try tied()
        let predictions = try PredictedClasses.topK(2, scores: scores)
        XCTAssertEqual(predictions.perItem, [[1, 2], [0, 1]])
        // c0 tp 1; c1 fp 2; c2 tp 1 → micro P = 2/4, R = 2/2, F1 = 2/3; macro P = R = F1 = 2/3.
        let averaged = AveragedScores(perClass: try predictions.counts(against: labels))
        XCTAssertEqual(averaged.micro.precision, 0.5, accuracy: 1e-15)
        XCTAssertEqual(averaged.micro.recall, 1, accuracy: 1e-15)
        XCTAssertEqual(averaged.micro.f1, 2.0 / 3.0, accuracy: 1e-15)
        XCTAssertEqual(averaged.macro.precision, 2.0 / 3.0, accuracy: 1e-15)
        XCTAssertEqual(averaged.macro.f1, 2.0 / 3.0, accuracy: 1e-15)
    }

    func testSeveralKAtOnceAgreeWithOneAtATime() throws {
        var generator = SplitMix64(seed: 3)
        let values = (0..<(30 * 9)).map { _ in Float((Double.random(in: 0..<1, using: &generator) * 8).rounded() / 8) }
        let scores = try ScoreMatrix(items: 30, classes: 9, values: values)
        let together = try PredictedClasses.topK([4, 1, 9], scores: scores)
        XCTAssertEqual(together, [try PredictedClasses.topK(4, scores: scores), try PredictedClasses.topK(1, scores: scores),
                                  try PredictedClasses.topK(9, scores: scores)])
        // k = K ranks every class: descending score, lower column first on ties.
        for (item, ranked) in together[2].perItem.enumerated() {
            let expected = (0..<9).sorted { scores[item, $0] != scores[item, $1] ? scores[item, $0] > scores[item, $1] : $0 < $1 }
            XCTAssertEqual(ranked, expected)
        }
    }

    func testThresholdPredictsScoresAtOrAboveIt() throws {
        let (scores, _) = try tied()
        XCTAssertEqual(PredictedClasses.atThreshold(0.6, scores: scores).perItem, [[1, 2], [0, 1]])
        XCTAssertEqual(PredictedClasses.atThreshold(0.7, scores: scores).perItem, [[1, 2], []])
        XCTAssertEqual(PredictedClasses.atThreshold(0.71, scores: scores).perItem, [[], []])
    }

    func testRejectsBadShapesClassListsAndK() throws {
        let (scores, labels) = try tied()
        let classes = ClassInfo.numbered(3)
        XCTAssertThrowsError(try Evaluator(topK: [4]).evaluate(scores: scores, labels: labels, classes: classes)) {
            XCTAssertEqual($0 as? MetricsError, .invalidTopK(k: 4, classes: 3))
        }
        XCTAssertThrowsError(try Evaluator(topK: [0]).evaluate(scores: scores, labels: labels, classes: classes))
        XCTAssertThrowsError(try Evaluator(topK: [1]).evaluate(scores: scores, labels: labels, classes: Array(classes.prefix(2))))
        XCTAssertThrowsError(try Evaluator(topK: [1]).evaluate(scores: scores, labels: labels, classes: classes.reversed())) {
            XCTAssertEqual($0 as? MetricsError, .classIdOutOfOrder(position: 0, id: 2))
        }
        let oneItem = try LabelMatrix(rows: [[0, 0, 1]])
        XCTAssertThrowsError(try Evaluator(topK: [1]).evaluate(scores: scores, labels: oneItem, classes: classes))
        XCTAssertThrowsError(try ScoreMatrix(rows: [[0.1, 0.2], [0.3]])) {
            XCTAssertEqual($0 as? MetricsError, .raggedRows(what: "scores", row: 1, expected: 2, actual: 1))
        }
        XCTAssertThrowsError(try ScoreMatrix(items: 2, classes: 2, values: [0.1, 0.2, 0.3]))
        XCTAssertThrowsError(try ScoreMatrix(items: 1, classes: 2, values: [0.1, .nan])) {
            XCTAssertEqual($0 as? MetricsError, .nonFiniteScore(item: 0, classIndex: 1))
        }
        XCTAssertThrowsError(try LabelMatrix(items: 1, classes: 2, values: [0, 3])) {
            XCTAssertEqual($0 as? MetricsError, .invalidLabel(item: 0, classIndex: 1, value: 3))
        }
    }
}
