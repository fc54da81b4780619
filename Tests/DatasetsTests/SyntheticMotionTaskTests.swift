@testable import Datasets
import Foundation
import XCTest

/// The `motion` task of the synthetic generator: what an animal looks like and where it is carry
/// nothing about its action; how it moves carries all of it.
final class SyntheticMotionTaskTests: XCTestCase {
    func testWritesFiveBalancedClassesAndExactlyTheAnimalsAsked() throws {
        let root = try temporaryFolder(self)
        let spec = SyntheticDataset.Spec(clips: 12, frames: 8, width: 96, height: 64, valFraction: 0.25, seed: 5,
                                         task: .motion, animals: 2)
        let clips = try SyntheticDataset.generate(at: root, spec: spec)
        let dataset = try DatasetLoader.load(root: root, split: .all)
        XCTAssertEqual(dataset.problems, [])
        XCTAssertEqual(dataset.classes.names, ["Walking Left", "Walking Right", "Keeping Still", "Jumping", "Running"])
        XCTAssertTrue(dataset.classes.classes.allSatisfy { $0.segment == nil }, "balanced classes have no head/tail")
        for clip in clips {
            XCTAssertTrue((1...2).contains(clip.labels.count), "two animals give one or two actions: \(clip.labels)")
            XCTAssertEqual(dataset.items.first { $0.id == clip.id }?.labels, clip.labels)
        }
        XCTAssertEqual(try SyntheticDataset.generate(at: try temporaryFolder(self), spec: spec), clips, "same spec, same clips")
        var rng = SplitMix64(seed: 3)
        XCTAssertEqual(MotionTaskClip.random(width: 96, height: 64, animals: 3, rng: &rng).animals.count, 3)
    }

    /// Over many drawn animals, look and position at any frame are distributed alike whatever the action.
    func testLookAndPositionAreIndependentOfTheAction() {
        var rng = SplitMix64(seed: 17)
        var byAction: [MotionAction: [(size: Double, x: Double, y: Double)]] = [:]
        let width = 64, height = 48, frames = 30   // small frames: drawing 1,500 backgrounds stays quick
        for _ in 0..<1500 {
            for animal in MotionTaskClip.random(width: width, height: height, animals: 2, rng: &rng).animals {
                let (x, y) = animal.position(at: frames - 1)
                let wrapped = x - Double(width) * (x / Double(width)).rounded(.down)
                byAction[animal.action, default: []].append((animal.body.radiusX, wrapped, y))
            }
        }
        XCTAssertEqual(Set(byAction.keys), Set(MotionAction.allCases))
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
        let all = byAction.values.flatMap { $0 }
        for (action, draws) in byAction {
            XCTAssertGreaterThan(draws.count, 450, "actions are drawn uniformly")
            XCTAssertEqual(mean(draws.map(\.size)), mean(all.map(\.size)), accuracy: 0.15, "\(action): size")
            XCTAssertEqual(mean(draws.map(\.x)), Double(width) / 2, accuracy: 2.5, "\(action): where it ends up, horizontally")
            XCTAssertEqual(mean(draws.map(\.y)), mean(all.map(\.y)), accuracy: 0.8, "\(action): height")
        }
    }

    /// The centre of the pixels that differ from the background in each frame (one animal).
    func track(_ action: MotionAction, frames: Int = 16) -> [(x: Double, y: Double, count: Int)] {
        var rng = SplitMix64(seed: 23)
        var clip = MotionTaskClip.random(width: 256, height: 192, animals: 1, rng: &rng)
        while clip.animals[0].action != action { clip = MotionTaskClip.random(width: 256, height: 192, animals: 1, rng: &rng) }
        clip.animals[0].x = 128
        return (0..<frames).map { t in
            let f = clip.frame(t), bg = clip.background.pixels
            var sx = 0.0, sy = 0.0, n = 0
            for i in stride(from: 0, to: f.count, by: 3) where f[i] != bg[i] || f[i + 1] != bg[i + 1] || f[i + 2] != bg[i + 2] {
                sx += Double((i / 3) % 256); sy += Double((i / 3) / 256); n += 1
            }
            return (sx / Double(max(n, 1)), sy / Double(max(n, 1)), n)
        }
    }

    func testMotionTellsTheActionsApart() {
        let left = track(.walkingLeft), right = track(.walkingRight), run = track(.running)
        let walked = (right.last!.x - right.first!.x) / 15, walkedLeft = (left.last!.x - left.first!.x) / 15
        XCTAssertGreaterThan(walked, 1, "walking right moves right")
        XCTAssertLessThan(walkedLeft, -1, "walking left moves left")
        XCTAssertGreaterThan(abs(run.last!.x - run.first!.x) / 15, 2 * max(walked, -walkedLeft), "running is faster than walking")
        let still = track(.keepingStill)
        XCTAssertTrue(still.allSatisfy { $0.x == still[0].x && $0.y == still[0].y }, "keeping still does not move")
        let jump = track(.jumping)
        XCTAssertGreaterThan(jump.map(\.y).max()! - jump.map(\.y).min()!, 8, "jumping moves vertically")
        let drift = abs(jump.last!.x - jump.first!.x)
        XCTAssertLessThan(drift, 0.5, "and stays in place")
    }

    func testAnAnimalCrossingTheEdgeReappearsOnTheOtherSide() {
        var rng = SplitMix64(seed: 29)
        var clip = MotionTaskClip.random(width: 128, height: 96, animals: 1, rng: &rng)
        clip.animals[0].action = .walkingRight
        clip.animals[0].velocity = 4
        clip.animals[0].x = 120
        clip.animals[0].amplitude = 0
        var sizes: [Int] = []
        for t in 0..<8 {
            let f = clip.frame(t), bg = clip.background.pixels
            var changed = 0
            for i in stride(from: 0, to: f.count, by: 3) where f[i] != bg[i] || f[i + 1] != bg[i + 1] || f[i + 2] != bg[i + 2] {
                changed += 1
            }
            sizes.append(changed)
        }
        let (smallest, largest) = (Double(sizes.min()!), Double(sizes.max()!))
        XCTAssertGreaterThan(smallest, 0.9 * largest, "the whole body stays in view while it wraps: \(sizes)")
    }
}
