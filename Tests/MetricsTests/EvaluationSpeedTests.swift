import Foundation
import Metrics
import XCTest

/// Evaluating Animal Kingdom's test split (6,096 videos × 140 classes) stays interactive.
final class EvaluationSpeedTests: XCTestCase {
    func testAnimalKingdomSizedEvaluationIsFast() throws {
        let items = 6096, classes = 140
        var generator = SplitMix64(seed: 5)
        let values = (0..<(items * classes)).map { _ in Float.random(in: 0..<1, using: &generator) }
        let labels = (0..<(items * classes)).map { _ in UInt8(Double.random(in: 0..<1, using: &generator) < 0.01 ? 1 : 0) }
        let scores = try ScoreMatrix(items: items, classes: classes, values: values)
        let truth = try LabelMatrix(items: items, classes: classes, values: labels)
        let start = Date()
        let evaluation = try Evaluator().evaluate(scores: scores, labels: truth, classes: ClassInfo.numbered(classes))
        let seconds = Date().timeIntervalSince(start)
        // Release builds take ≈ 0.05 s; a debug build is slower but an O(V²) slip would take minutes.
        XCTAssertLessThan(seconds, 20, "evaluation took \(seconds) s")
        // Random scores: AP ≈ prevalence.
        XCTAssertEqual(try XCTUnwrap(evaluation.microAveragePrecision), 0.01, accuracy: 0.005)
    }
}
