import ArgumentParser
import Core
import Torch
import Training
import XCTest

/// The option block the trainers share: defaults, the checks, and what it hands the loop.
final class TrainingOptionsTests: XCTestCase {
    func testDefaultsAndThePlanTheyGive() throws {
        let options = try TrainingOptions.parse([])
        XCTAssertEqual(options.seed, 49)
        XCTAssertEqual(options.validationFraction, 0.1)
        XCTAssertEqual(options.minValidation, ValidationSplit.defaultMinimum)
        XCTAssertNil(options.stopAfter)
        XCTAssertEqual(options.validationSetting, "0.1, at least 10")

        let given = try TrainingOptions.parse(["--seed", "7", "--stop-after", "2", "--validation-fraction", "0.25", "--min-validation", "3"])
        XCTAssertEqual(given.plan(epochs: 5, batch: 4), TrainingPlan(epochs: 5, batch: 4, seed: 7, stopAfter: 2))
        XCTAssertEqual(given.plan(epochs: 5, batch: 4).stopEpoch, 2)
        let items = (0..<20).map { "v\($0)" }
        XCTAssertEqual(try given.split(items, source: "x"), try ValidationSplit(items: items, fraction: 0.25, minimum: 3, seed: 7, source: "x"))
    }

    func testOutOfRangeValuesAreRefusedSayingWhatIsAllowed() {
        for (arguments, message) in [(["--validation-fraction", "1"], "--validation-fraction must lie in (0, 1)"),
                                     (["--validation-fraction", "0"], "--validation-fraction must lie in (0, 1)"),
                                     (["--min-validation", "0"], "--min-validation must be at least 1")] {
            XCTAssertThrowsError(try TrainingOptions.parse(arguments), "\(arguments)") { error in
                XCTAssertEqual(TrainingOptions.message(for: error), message)
            }
        }
    }
}

/// The exit status a trainer's command ends with when training throws.
final class TrainingFailureTests: XCTestCase {
    func testADivergedLossExitsFourAnythingElseTwo() {
        XCTAssertEqual(TrainingFailure.exitStatus(for: LossDiverged(value: .nan, epoch: 1, step: 1, steps: 2, kept: nil)), 4)
        XCTAssertEqual(TrainingFailure.exitStatus(for: CheckpointPairError.missingWeights("x")), 2)
    }
}
