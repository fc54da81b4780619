@testable import Datasets
import Foundation
import Media
import XCTest

/// The synthetic motion dataset: deterministic, readable by the loader, and its
/// actions really are defined by motion.
final class SyntheticDatasetTests: XCTestCase {
    let spec = SyntheticDataset.Spec(clips: 5, frames: 10, width: 96, height: 64, valFraction: 0.4, seed: 3)

    func testSameSeedSameFilesAndTheLoaderReadsThem() throws {
        let a = try temporaryFolder(self), b = try temporaryFolder(self)
        let clips = try SyntheticDataset.generate(at: a, spec: spec)
        XCTAssertEqual(try SyntheticDataset.generate(at: b, spec: spec), clips)
        for name in ["annotation/train.csv", "annotation/val.csv", "annotation/df_action.csv"] + clips.map({ "video/\($0.id).mp4" }) {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(name)), try Data(contentsOf: b.appendingPathComponent(name)), name)
        }
        let dataset = try DatasetLoader.load(root: a, split: .all)
        XCTAssertEqual(dataset.problems, [])
        XCTAssertEqual(dataset.classes.names, SyntheticAction.allCases.map(\.name))
        XCTAssertEqual(Set(dataset.items.map(\.id)), Set(clips.map(\.id)))
        for clip in clips {
            let item = try XCTUnwrap(dataset.items.first { $0.id == clip.id })
            XCTAssertEqual(item.labels, clip.labels)
            XCTAssertEqual(item.split, clip.split)
            XCTAssertFalse(clip.labels.isEmpty)
            let info = try VideoDecoder(url: item.video).info
            XCTAssertEqual(info.frameCount, clip.frames)
            XCTAssertEqual(info.width, 96)
        }
        XCTAssertNotEqual(try SyntheticDataset.generate(at: b, spec: .init(clips: 5, frames: 10, width: 96, height: 64, seed: 4)).map(\.id),
                          clips.map(\.id))
    }

    /// Centre of the pixels that differ from the background, per frame.
    func centroids(of action: SyntheticAction, frames: Int = 12) -> [(x: Double, y: Double, count: Int)] {
        var rng = SplitMix64(seed: 11)
        var clip = SyntheticClip.random(width: 128, height: 96, frames: frames, maxAnimals: 1, rng: &rng)
        clip.animals = [clip.animals[0]]
        clip.animals[0].action = action
        clip.animals[0].x = 64
        clip.animals[0].y = 60
        return (0..<frames).map { t in
            let f = clip.frame(t), bg = clip.background.pixels
            var sx = 0.0, sy = 0.0, n = 0
            for i in stride(from: 0, to: f.count, by: 3) where f[i] != bg[i] || f[i + 1] != bg[i + 1] || f[i + 2] != bg[i + 2] {
                sx += Double((i / 3) % 128); sy += Double((i / 3) / 128); n += 1
            }
            return (sx / Double(max(n, 1)), sy / Double(max(n, 1)), n)
        }
    }

    func testActionsAreDefinedByMotion() {
        let right = centroids(of: .walkingRight), left = centroids(of: .walkingLeft)
        XCTAssertGreaterThan(right.last!.x - right.first!.x, 10, "walking right moves right")
        XCTAssertLessThan(left.last!.x - left.first!.x, -10, "walking left moves left")
        let still = centroids(of: .keepingStill)
        XCTAssertTrue(still.allSatisfy { $0.x == still[0].x && $0.y == still[0].y }, "keeping still does not move")
        let jump = centroids(of: .jumping)
        XCTAssertGreaterThan(jump.map(\.y).max()! - jump.map(\.y).min()!, 5, "jumping moves vertically")
        XCTAssertLessThan(abs(jump.last!.x - jump.first!.x), 2)
        let spin = centroids(of: .spinning)
        XCTAssertLessThan(abs(spin.last!.x - spin.first!.x), 3, "spinning stays in place")
    }

    func testClassListHasSegmentsByFrequency() {
        let classes = SyntheticDataset.classes
        XCTAssertEqual(classes.count, SyntheticAction.allCases.count)
        XCTAssertEqual(classes.ids(in: .head).map { classes[$0].name }, ["Walking Left", "Walking Right", "Keeping Still"])
        XCTAssertEqual(classes.ids(in: .tail).map { classes[$0].name }, ["Spinning", "Shaking"])
    }
}
