import TestSupport
import XCTest
#if canImport(Media)
import Media
#else
import FlowColor
#endif

/// What the colour coding means: direction as hue, length as saturation, white for rest.
final class FlowColorTests: XCTestCase {
    /// The RGB triple of pixel `index`.
    private func pixel(_ image: [UInt8], _ index: Int) -> [UInt8] { Array(image[(3 * index)..<(3 * index + 3)]) }

    func testNoMotionIsWhite() {
        let zeros = [Float](repeating: 0, count: 12)
        let image = FlowColor.image(u: zeros, v: zeros, width: 4, height: 3, normalization: .perFrameMaximum)
        XCTAssertEqual(image, [UInt8](repeating: 255, count: 36))
        XCTAssertEqual(FlowColor.image(u: zeros, v: zeros, width: 4, height: 3, normalization: .fixed(5)), image)
    }

    func testImageIsPackedRGBOfTheFieldSize() {
        XCTAssertEqual(FlowColor.image(u: [], v: [], width: 0, height: 0, normalization: .perFrameMaximum), [])
        let u = [Float](repeating: 1, count: 35), v = [Float](repeating: -2, count: 35)
        XCTAssertEqual(FlowColor.image(u: u, v: v, width: 7, height: 5, normalization: .perFrameMaximum).count, 105)
    }

    func testDirectionsFollowTheMiddleburyWheel() {
        // right, left, down (+v in image rows), up — all at full length.
        let image = FlowColor.image(u: [1, -1, 0, 0], v: [0, 0, 1, -1], width: 4, height: 1,
                                    normalization: .perFrameMaximum)
        XCTAssertEqual(pixel(image, 0), [255, 0, 0], "rightward motion is red")
        XCTAssertEqual(pixel(image, 1), [0, 209, 255], "leftward motion is cyan-blue")
        let down = pixel(image, 2), up = pixel(image, 3)
        XCTAssertEqual(down[0], 255, "downward motion is yellow: full red")
        XCTAssertGreaterThan(down[1], 200, "downward motion is yellow: strong green")
        XCTAssertEqual(down[2], 0, "downward motion is yellow: no blue")
        XCTAssertEqual(up[2], 255, "upward motion is violet: full blue")
        XCTAssertEqual(up[1], 0, "upward motion is violet: no green")
    }

    func testShorterMotionIsPaler() {
        let image = FlowColor.image(u: [1, 0.5, 0.25], v: [0, 0, 0], width: 3, height: 1,
                                    normalization: .perFrameMaximum)
        XCTAssertEqual(pixel(image, 0), [255, 0, 0])
        XCTAssertEqual(pixel(image, 1), [255, 127, 127])
        XCTAssertEqual(pixel(image, 2), [255, 191, 191])
    }

    func testFixedScaleEqualsPerFrameScaleAtTheFieldsOwnMaximum() {
        var generator = SeededGenerator(seed: 7)
        let count = 20 * 16
        let u = (0..<count).map { _ in Float(generator.unit() * 8 - 4) }
        let v = (0..<count).map { _ in Float(generator.unit() * 6 - 3) }
        // The largest length, rounded in float32 exactly as the per-frame maximum is.
        let largest = zip(u, v).map { ($0 * $0 + $1 * $1).squareRoot() }.max()!
        XCTAssertEqual(FlowColor.image(u: u, v: v, width: 20, height: 16, normalization: .fixed(largest)),
                       FlowColor.image(u: u, v: v, width: 20, height: 16, normalization: .perFrameMaximum))
    }

    func testFixedScaleGivesTheSameMotionTheSameColourInEveryFrame() {
        // The same vector (2, 1) beside a small and a large neighbour.
        let calm = FlowColor.image(u: [2, 0.1], v: [1, 0], width: 2, height: 1, normalization: .fixed(10))
        let busy = FlowColor.image(u: [2, 9], v: [1, 0], width: 2, height: 1, normalization: .fixed(10))
        XCTAssertEqual(pixel(calm, 0), pixel(busy, 0))
        let calmPerFrame = FlowColor.image(u: [2, 0.1], v: [1, 0], width: 2, height: 1, normalization: .perFrameMaximum)
        let busyPerFrame = FlowColor.image(u: [2, 9], v: [1, 0], width: 2, height: 1, normalization: .perFrameMaximum)
        XCTAssertNotEqual(pixel(calmPerFrame, 0), pixel(busyPerFrame, 0), "per-frame colours depend on the neighbours")
    }

    func testFixedScaleSaturatesLongerMotion() {
        let image = FlowColor.image(u: [3, 30, 300, -3, -300], v: [4, 40, 400, 0, 0], width: 5, height: 1,
                                    normalization: .fixed(5))
        XCTAssertEqual(pixel(image, 1), pixel(image, 0), "10× the scale saturates like 1×")
        XCTAssertEqual(pixel(image, 2), pixel(image, 0), "100× the scale saturates like 1×")
        XCTAssertEqual(pixel(image, 4), [0, 209, 255], "saturated leftward motion is the pure wheel colour")
        XCTAssertEqual(pixel(image, 3), pixel(FlowColor.image(u: [-3], v: [0], width: 1, height: 1,
                                                              normalization: .fixed(5)), 0))
    }

    func testLargerFixedScaleIsPaler() {
        let u: [Float] = [1, -2, 0.5], v: [Float] = [1, 0.5, -3]
        let strong = FlowColor.image(u: u, v: v, width: 3, height: 1, normalization: .fixed(4))
        let pale = FlowColor.image(u: u, v: v, width: 3, height: 1, normalization: .fixed(40))
        for index in strong.indices { XCTAssertGreaterThanOrEqual(pale[index], strong[index]) }
        XCTAssertNotEqual(pale, strong)
    }

    func testNonFiniteFlowCountsAsNoMotion() {
        let clean = FlowColor.image(u: [1, 0, 0, -0.5], v: [0.5, 0, 0, 2], width: 2, height: 2,
                                    normalization: .perFrameMaximum)
        let dirty = FlowColor.image(u: [1, .nan, .infinity, -0.5], v: [0.5, 3, 0, 2], width: 2, height: 2,
                                    normalization: .perFrameMaximum)
        XCTAssertEqual(pixel(dirty, 1), [255, 255, 255])
        XCTAssertEqual(pixel(dirty, 2), [255, 255, 255])
        XCTAssertEqual(pixel(dirty, 0), pixel(clean, 0))
        XCTAssertEqual(pixel(dirty, 3), pixel(clean, 3))
    }
}
