import Metrics
import XCTest

/// AP on cases small enough to work out by hand with scikit-learn's definition:
/// rank by score, one step per distinct score, AP = Σ (R_n − R_{n−1}) · P_n.
final class AveragePrecisionTests: XCTestCase {
    func testTiedScoresEnterTogether() throws {
        // scores [0.9, 0.8, 0.8, 0.1], labels [1, 0, 1, 0]; 2 positives.
        //   ≥ 0.9: tp 1, fp 0 → P = 1,   R = 1/2
        //   ≥ 0.8: tp 2, fp 1 → P = 2/3, R = 1      (both 0.8 items enter together)
        //   ≥ 0.1: tp 2, fp 2 → P = 1/2, R = 1      (ΔR = 0, adds nothing)
        //   AP = 1/2 · 1 + 1/2 · 2/3 = 5/6
        // Ranking the tied positive first would give 1.
        let ap = try XCTUnwrap(averagePrecision(scores: [0.9, 0.8, 0.8, 0.1], labels: [1, 0, 1, 0]))
        XCTAssertEqual(ap, 5.0 / 6.0, accuracy: 1e-15)
    }

    func testTieIsNeitherPositiveFirstNorNegativeFirst() throws {
        // scores [0.9, 0.5, 0.5, 0.5], labels [0, 1, 0, 1]; 2 positives.
        //   ≥ 0.9: tp 0, fp 1 → P = 0,   R = 0
        //   ≥ 0.5: tp 2, fp 2 → P = 1/2, R = 1
        //   AP = 1 · 1/2 = 1/2
        // Positives first inside the tie would give 1/2·1/2 + 1/2·2/3 = 7/12;
        // negatives first 1/2·1/3 + 1/2·1/2 = 5/12.
        let ap = try XCTUnwrap(averagePrecision(scores: [0.9, 0.5, 0.5, 0.5], labels: [0, 1, 0, 1]))
        XCTAssertEqual(ap, 0.5, accuracy: 1e-15)
    }

    func testEveryItemPositiveGivesOne() throws {
        // Every step has P = 1, and the recall steps add up to 1.
        let ap = try XCTUnwrap(averagePrecision(scores: [0.3, 0.2, 0.2, 0.1], labels: [1, 1, 1, 1]))
        XCTAssertEqual(ap, 1, accuracy: 1e-15)
    }

    func testSinglePositiveAtTheBottom() throws {
        // The one positive is found only at the last step: R jumps 0 → 1 with P = 1/4.
        let ap = try XCTUnwrap(averagePrecision(scores: [0.9, 0.8, 0.7, 0.1], labels: [0, 0, 0, 1]))
        XCTAssertEqual(ap, 0.25, accuracy: 1e-15)
    }

    func testSinglePositiveAtTheTop() throws {
        let ap = try XCTUnwrap(averagePrecision(scores: [0.9, 0.8, 0.7, 0.1], labels: [1, 0, 0, 0]))
        XCTAssertEqual(ap, 1, accuracy: 1e-15)
    }

    func testAllScoresTiedGivesThePrevalence() throws {
        // One step containing everything: P = 2/5, R = 1.
        let ap = try XCTUnwrap(averagePrecision(scores: [0.5, 0.5, 0.5, 0.5, 0.5], labels: [1, 0, 0, 1, 0]))
        XCTAssertEqual(ap, 0.4, accuracy: 1e-15)
    }

    func testNoPositiveIsNil() throws {
        XCTAssertNil(try averagePrecision(scores: [0.9, 0.1], labels: [0, 0]))
        XCTAssertNil(try averagePrecision(scores: [], labels: []))
    }

    func testNegativeZeroTiesWithZero() throws {
        // Logits can be ±0; they are one score. One step: P = 1/2, R = 1.
        let ap = try XCTUnwrap(averagePrecision(scores: [0.0, -0.0], labels: [0, 1]))
        XCTAssertEqual(ap, 0.5, accuracy: 1e-15)
    }

    func testNegativeScoresRankBelowPositiveOnes() throws {
        // Logits: −3 < −0.5 < 0.25 < 2; the positives hold the top two ranks.
        let ap = try XCTUnwrap(averagePrecision(scores: [-0.5, 2, -3, 0.25], labels: [0, 1, 0, 1]))
        XCTAssertEqual(ap, 1, accuracy: 1e-15)
    }

    func testMatchesABruteForceDefinitionOnRandomScores() throws {
        // The radix-sorted implementation against the definition evaluated threshold by threshold,
        // on logits with many ties (rounded to 1 decimal) and both signs.
        var generator = SplitMix64(seed: 7)
        for trial in 0..<40 {
            let count = 1 + trial * 13
            let scores = (0..<count).map { _ in Float((Double.random(in: -4...4, using: &generator) * 10).rounded() / 10) }
            let labels = (0..<count).map { _ in UInt8(Double.random(in: 0..<1, using: &generator) < 0.3 ? 1 : 0) }
            let expected = bruteForceAP(scores: scores, labels: labels)
            let actual = try averagePrecision(scores: scores, labels: labels)
            if let expected {
                XCTAssertEqual(try XCTUnwrap(actual), expected, accuracy: 1e-12, "trial \(trial)")
            } else {
                XCTAssertNil(actual, "trial \(trial)")
            }
        }
    }

    func testScoresOneUlpApartAreOrdered() throws {
        // Scores that differ only in their lowest mantissa bits, shuffled: every byte of the key matters.
        var generator = SplitMix64(seed: 19)
        for trial in 0..<20 {
            var scores: [Float] = []
            var value: Float = trial % 2 == 0 ? 0.5 : -0.75
            for _ in 0..<300 {
                scores.append(value)
                for _ in 0..<Int.random(in: 0...2, using: &generator) { value = value.nextUp }
            }
            scores += (0..<300).map { _ in Float.random(in: -1..<1, using: &generator) }
            scores.shuffle(using: &generator)
            let labels = scores.indices.map { _ in UInt8(Double.random(in: 0..<1, using: &generator) < 0.4 ? 1 : 0) }
            XCTAssertEqual(try XCTUnwrap(averagePrecision(scores: scores, labels: labels)),
                           try XCTUnwrap(bruteForceAP(scores: scores, labels: labels)), accuracy: 1e-12, "trial \(trial)")
        }
    }

    func testRejectsMismatchedNonFiniteAndNonBinaryInput() {
        XCTAssertThrowsError(try averagePrecision(scores: [0.1, 0.2], labels: [1])) { error in
            XCTAssertEqual(error as? MetricsError, .dimensionMismatch(what: "labels for the scores", expected: 2, actual: 1))
        }
        XCTAssertThrowsError(try averagePrecision(scores: [0.1, .nan], labels: [1, 0])) { error in
            XCTAssertEqual(error as? MetricsError, .nonFiniteScore(item: 1, classIndex: 0))
        }
        XCTAssertThrowsError(try averagePrecision(scores: [.infinity, 0.1], labels: [1, 0]))
        XCTAssertThrowsError(try averagePrecision(scores: [0.1, 0.2], labels: [1, 2])) { error in
            XCTAssertEqual(error as? MetricsError, .invalidLabel(item: 1, classIndex: 0, value: 2))
        }
    }

    func testCurvePointsFollowTheDistinctScores() throws {
        // Same case as the first test: three distinct scores, three points, highest first.
        let curve = try PrecisionRecallCurve(scores: [0.9, 0.8, 0.8, 0.1], labels: [1, 0, 1, 0])
        XCTAssertEqual(curve.points.map(\.threshold), [0.9, 0.8, 0.1])
        XCTAssertEqual(curve.points.map(\.precision), [1, 2.0 / 3.0, 0.5])
        XCTAssertEqual(curve.points.map(\.recall), [0.5, 1, 1])
        XCTAssertEqual(curve.positives, 2)
        XCTAssertEqual(try XCTUnwrap(curve.averagePrecision), 5.0 / 6.0, accuracy: 1e-15)
    }

    /// AP straight from the definition: for each distinct score t, highest first, count what scores ≥ t.
    private func bruteForceAP(scores: [Float], labels: [UInt8]) -> Double? {
        let positives = labels.filter { $0 == 1 }.count
        guard positives > 0 else { return nil }
        var ap = 0.0
        var previousRecall = 0.0
        for threshold in Set(scores).sorted(by: >) {
            let selected = scores.indices.filter { scores[$0] >= threshold }
            let tp = selected.filter { labels[$0] == 1 }.count
            let recall = Double(tp) / Double(positives)
            ap += (recall - previousRecall) * Double(tp) / Double(selected.count)
            previousRecall = recall
        }
        return ap
    }
}

/// A small seeded generator so random tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
