import AMCLIP
import Foundation
import TestSupport
import XCTest

/// `ColorJitter` (X-CLIP's appearance augmentation of RGB frames) against known values and against
/// torchvision.transforms.functional's adjust_brightness/contrast/saturation/hue and rgb_to_grayscale.
final class ColorJitterTests: XCTestCase {
    private func jittered(_ pixels: [UInt8], _ factors: (Double, Double, Double, Double)?, grey: Bool = false) -> [UInt8] {
        var frame = pixels[...]
        ColorJitter.apply(ColorJitter.Draw(factors: factors.map { (brightness: $0.0, contrast: $0.1, saturation: $0.2, hue: $0.3) }, grey: grey),
                          to: &frame, pixels: pixels.count / 3)
        return Array(frame)
    }

    func testKnownValues() {
        XCTAssertEqual(jittered([100, 50, 25], (1.2, 1, 1, 0)), [120, 60, 30], "brightness scales")
        XCTAssertEqual(jittered([200, 220, 240], (1.4, 1, 1, 0)), [255, 255, 255], "and clamps")
        // Contrast 0: every pixel becomes the frame's mean grey.
        let first: Double = 0.2989 * 10 + 0.587 * 20 + 0.114 * 30
        let second: Double = 0.2989 * 200 + 0.587 * 100
        let mean = (first + second) / 2
        XCTAssertEqual(jittered([10, 20, 30, 200, 100, 0], (1, 0, 1, 0)), [UInt8](repeating: UInt8(mean.rounded()), count: 6))
        // Saturation 0: each pixel its own grey.
        let redOrange: Double = 0.2989 * 200 + 0.587 * 100
        XCTAssertEqual(jittered([200, 100, 0], (1, 1, 0, 0)), [UInt8](repeating: UInt8(redOrange.rounded()), count: 3))
        // Hue: a third of a turn takes red to green, half a turn red to cyan; grey has no hue.
        XCTAssertEqual(jittered([255, 0, 0], (1, 1, 1, 1.0 / 3)), [0, 255, 0])
        XCTAssertEqual(jittered([255, 0, 0], (1, 1, 1, 0.5)), [0, 255, 255])
        XCTAssertEqual(jittered([90, 90, 90], (1, 1, 1, 0.37)), [90, 90, 90])
        let luma: Double = 0.2989 * 10 + 0.587 * 200 + 0.114 * 60
        XCTAssertEqual(jittered([10, 200, 60], nil, grey: true), [UInt8](repeating: UInt8(luma.rounded()), count: 3))
        XCTAssertEqual(jittered([10, 200, 60], nil), [10, 200, 60], "the identity draw")
    }

    func testDrawsAreKeyedAndWithinXCLIPsRanges() {
        let jitter = ColorJitter.xclip, random = KeyedRandom(seed: 3)
        var applied = 0, grey = 0
        for video in 0..<400 {
            let draw = jitter.draw(random, key: ["v\(video)", "1"])
            XCTAssertEqual(draw, jitter.draw(random, key: ["v\(video)", "1"]), "the same key draws the same")
            if let f = draw.factors {
                applied += 1
                XCTAssertTrue((0.6...1.4).contains(f.brightness) && (0.6...1.4).contains(f.contrast))
                XCTAssertTrue((0.8...1.2).contains(f.saturation) && (-0.1...0.1).contains(f.hue))
            }
            if draw.grey { grey += 1 }
        }
        XCTAssertEqual(Double(applied) / 400, 0.8, accuracy: 0.06)
        XCTAssertEqual(Double(grey) / 400, 0.2, accuracy: 0.06)
        XCTAssertNotEqual(jitter.draw(random, key: ["v1", "1"]), jitter.draw(random, key: ["v1", "2"]), "another epoch, another draw")
    }

    func testMatchesTorchvisionsFunctionalAdjustments() throws {
        try PythonReference.requireModules(["torch", "torchvision"], package: "python3-torchvision")
        let folder = try PythonReference.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (width, height) = (37, 23)
        var random = SeededGenerator(seed: 11)
        let image = (0..<(width * height * 3)).map { _ in UInt8(random.next() % 256) }
        let input = folder.appendingPathComponent("in.raw")
        try Data(image).write(to: input)
        for (index, (factors, grey)) in [((1.3, 0.7, 1.15, 0.08), false), ((0.65, 1.35, 0.85, -0.09), true),
                                         ((1.0, 1.0, 1.0, 0.5), false), ((1.1, 0.9, 1.2, -0.02), false)].enumerated() {
            let output = folder.appendingPathComponent("out\(index).raw")
            try PythonReference.runScript("color_jitter_reference.py", [input.path, "\(width)", "\(height)", "\(factors.0)", "\(factors.1)",
                                                                         "\(factors.2)", "\(factors.3)", grey ? "1" : "0", output.path])
            let reference = [UInt8](try Data(contentsOf: output))
            let mine = jittered(image, factors, grey: grey)
            XCTAssertEqual(reference.count, mine.count)
            let differences = zip(reference, mine).map { abs(Int($0) - Int($1)) }
            XCTAssertLessThanOrEqual(differences.max() ?? 99, 1, "case \(index): float rounding only")
            XCTAssertLessThan(Double(differences.filter { $0 > 0 }.count) / Double(mine.count), 0.02, "case \(index)")
        }
    }
}
