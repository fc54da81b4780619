import Vision
import XCTest

/// DIS flow on frames whose true motion is known.
final class DISOpticalFlowTests: XCTestCase {
    private static let size = 224
    private static let canvas = TexturedCanvas(width: 272, height: 272, seed: 11)

    /// Two frames whose content moves by (`dx`, `dy`) pixels from the first to the second.
    private func shiftedPair(dx: Int, dy: Int) -> (from: [UInt8], to: [UInt8]) {
        let n = Self.size, origin = 24
        let from = Self.canvas.window(x: origin, y: origin, width: n, height: n)
        // Content at (x, y) in `from` appears at (x + dx, y + dy) in `to`.
        let to = Self.canvas.window(x: origin - dx, y: origin - dy, width: n, height: n)
        return (from, to)
    }

    func testKnownTranslationIsRecoveredByEveryPreset() throws {
        let n = Self.size
        let (from, to) = shiftedPair(dx: 3, dy: -2)
        for preset in DISOpticalFlow.Preset.allCases {
            let field = try DISOpticalFlow(preset: preset).flow(from: from, to: to, width: n, height: n)
            XCTAssertEqual(field.count, 2 * n * n)
            let u = median(interior(field, plane: 0, width: n, height: n, border: 16))
            let v = median(interior(field, plane: 1, width: n, height: n, border: 16))
            XCTAssertEqual(u, 3, accuracy: 0.25, "\(preset): median u")
            XCTAssertEqual(v, -2, accuracy: 0.25, "\(preset): median v")
        }
    }

    func testPlanesAreUThenV() throws {
        // A purely vertical shift must land in the second plane only.
        let n = Self.size
        let (from, to) = shiftedPair(dx: 0, dy: 4)
        let field = try DISOpticalFlow(preset: .medium).flow(from: from, to: to, width: n, height: n)
        XCTAssertEqual(median(interior(field, plane: 0, width: n, height: n, border: 16)), 0, accuracy: 0.25)
        XCTAssertEqual(median(interior(field, plane: 1, width: n, height: n, border: 16)), 4, accuracy: 0.25)
    }

    func testIdenticalFramesGiveNoMotion() throws {
        let n = Self.size
        let frame = shiftedPair(dx: 0, dy: 0).from
        for preset in DISOpticalFlow.Preset.allCases {
            let field = try DISOpticalFlow(preset: preset).flow(from: frame, to: frame, width: n, height: n)
            let largest = field.map(\.magnitude).max() ?? .infinity
            XCTAssertLessThan(largest, 0.01, "\(preset): largest |flow| between identical frames")
        }
    }

    func testBatchGivesOneFieldPerConsecutivePair() throws {
        let n = Self.size
        let frames = (0..<4).map { step in
            Self.canvas.window(x: 24 - 2 * step, y: 24, width: n, height: n)  // 2 px right per frame
        }
        let flow = try DISOpticalFlow(preset: .fast)
        let fields = try flow.flows(frames: frames, width: n, height: n)
        XCTAssertEqual(fields.count, 3)
        for (index, field) in fields.enumerated() {
            XCTAssertEqual(field, try flow.flow(from: frames[index], to: frames[index + 1], width: n, height: n),
                           "field \(index) equals the pairwise call")
            XCTAssertEqual(median(interior(field, plane: 0, width: n, height: n, border: 16)), 2, accuracy: 0.25)
        }
    }

    func testRepeatedCallsOnOneObjectGiveTheSameField() throws {
        let n = Self.size
        let (from, to) = shiftedPair(dx: -1, dy: 5)
        let flow = try DISOpticalFlow(preset: .medium)
        let first = try flow.flow(from: from, to: to, width: n, height: n)
        let other = shiftedPair(dx: 6, dy: -4)
        _ = try flow.flow(from: other.from, to: other.to, width: n, height: n)  // must not leak into the next pair
        XCTAssertEqual(try flow.flow(from: from, to: to, width: n, height: n), first)
    }

    func testThreadCountDoesNotChangeTheResult() throws {
        let n = Self.size
        let (from, to) = shiftedPair(dx: 2, dy: 1)
        let before = OpenCVRuntime.threadCount
        defer { try? OpenCVRuntime.setThreadCount(nil) }
        try OpenCVRuntime.setThreadCount(1)
        XCTAssertEqual(OpenCVRuntime.threadCount, 1)
        let single = try DISOpticalFlow(preset: .medium).flow(from: from, to: to, width: n, height: n)
        try OpenCVRuntime.setThreadCount(nil)
        XCTAssertEqual(OpenCVRuntime.threadCount, before)
        XCTAssertEqual(try DISOpticalFlow(preset: .medium).flow(from: from, to: to, width: n, height: n), single)
    }

    func testNonSquareFrames() throws {
        let (w, h) = (160, 96)
        let from = Self.canvas.window(x: 30, y: 30, width: w, height: h)
        let to = Self.canvas.window(x: 28, y: 31, width: w, height: h)  // moves (+2, −1)
        let field = try DISOpticalFlow(preset: .medium).flow(from: from, to: to, width: w, height: h)
        XCTAssertEqual(median(interior(field, plane: 0, width: w, height: h, border: 12)), 2, accuracy: 0.25)
        XCTAssertEqual(median(interior(field, plane: 1, width: w, height: h, border: 12)), -1, accuracy: 0.25)
    }

    func testOpenCVVersionIsReported() {
        XCTAssertTrue(OpenCVRuntime.version.hasPrefix("4."), OpenCVRuntime.version)
    }
}
