import Core
import XCTest

/// The trainers' validation split: the size rule, seeded and order-free, and a clear refusal.
final class ValidationSplitTests: XCTestCase {
    let items = (0..<200).map { String(format: "V%04d", $0) }

    func testHoldsTheFractionButNeverFewerThanTheMinimum() throws {
        let large = try ValidationSplit(items: items, fraction: 0.1, seed: 49, source: "x")
        XCTAssertEqual(large.validation.count, 20, "10 % of 200")
        XCTAssertEqual(large.train.count, 180)
        XCTAssertTrue(Set(large.validation).isDisjoint(with: large.train))
        XCTAssertEqual(Set(large.validation + large.train), Set(items))

        let small = try ValidationSplit(items: Array(items.prefix(30)), fraction: 0.1, seed: 49, source: "x")
        XCTAssertEqual(small.validation.count, 10, "10 % of 30 is 3: the floor of 10 applies")
        XCTAssertEqual(small.train.count, 20)
        XCTAssertEqual(try ValidationSplit(items: Array(items.prefix(41)), fraction: 0.25, seed: 1, source: "x").validation.count,
                       11, "a fraction rounds up")
        XCTAssertTrue(small.summary.hasPrefix("validation split: 10 of 30 training videos (10 %, at least 10); 20 to train on"),
                      small.summary)
    }

    func testSeededAndIndependentOfOrder() throws {
        let a = try ValidationSplit(items: items, fraction: 0.2, seed: 7, source: "x")
        let b = try ValidationSplit(items: items.reversed() + items.prefix(5), fraction: 0.2, seed: 7, source: "x")
        XCTAssertEqual(a, b, "shuffled (and duplicated) input, same split")
        let c = try ValidationSplit(items: items, fraction: 0.2, seed: 8, source: "x")
        XCTAssertNotEqual(a.validation, c.validation, "another seed holds out other videos")
        // Adding videos moves few of the old ones: the split is by each video's own hash.
        let grown = try ValidationSplit(items: items + (200..<220).map { String(format: "V%04d", $0) }, fraction: 0.2, seed: 7, source: "x")
        XCTAssertGreaterThan(Set(grown.validation).intersection(a.validation).count, 30)
    }

    func testTooSmallATrainingSetIsAnErrorThatSaysWhatToDo() {
        XCTAssertThrowsError(try ValidationSplit(items: Array(items.prefix(19)), fraction: 0.1, seed: 49, source: "data/ds")) { error in
            XCTAssertEqual(error as? ValidationSplitError,
                           .tooFewVideos(source: "data/ds", available: 19, validation: 10, minimum: 10, fraction: 0.1))
            let text = error.localizedDescription
            XCTAssertTrue(text.hasPrefix("data/ds: the training set holds 19 videos"), text)
            XCTAssertTrue(text.contains("give at least 20 training videos, or lower --min-validation"), text)
        }
        XCTAssertNoThrow(try ValidationSplit(items: Array(items.prefix(20)), fraction: 0.1, seed: 49, source: "x"))
        XCTAssertNoThrow(try ValidationSplit(items: Array(items.prefix(4)), fraction: 0.1, minimum: 2, seed: 49, source: "x"),
                         "a smaller floor, asked for, lets a tiny fixture train")
        XCTAssertEqual(ValidationSplit.smallestTrainingSet(fraction: 0.6, minimum: 10), 25, "60 % of 25 = 15 held, 10 left")
    }
}
