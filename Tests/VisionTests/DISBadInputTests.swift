import Vision
import XCTest

/// Wrong sizes come back as VisionError values naming the problem, never as a crash.
final class DISBadInputTests: XCTestCase {
    private func frame(_ width: Int, _ height: Int, value: UInt8 = 90) -> [UInt8] {
        [UInt8](repeating: value, count: width * height * 3)
    }

    private func assertError(_ expression: @autoclosure () throws -> some Any, _ check: (VisionError) -> Bool,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            guard let error = error as? VisionError else {
                return XCTFail("expected a VisionError, got \(error)", file: file, line: line)
            }
            XCTAssertTrue(check(error), "unexpected \(error)", file: file, line: line)
            XCTAssertFalse(error.localizedDescription.isEmpty, file: file, line: line)
        }
    }

    func testFirstFrameOfWrongSize() throws {
        let flow = try DISOpticalFlow(preset: .ultrafast)
        assertError(try flow.flow(from: frame(32, 31), to: frame(32, 32), width: 32, height: 32)) {
            $0 == .bufferSize(what: "first frame (32×32 RGB24)", expected: 3072, actual: 2976)
        }
    }

    func testSecondFrameOfWrongSize() throws {
        let flow = try DISOpticalFlow(preset: .ultrafast)
        assertError(try flow.flow(from: frame(32, 32), to: [UInt8](repeating: 0, count: 32 * 32), width: 32,
                                  height: 32)) {
            if case .bufferSize(let what, 3072, 1024) = $0 { return what.hasPrefix("second frame") }
            return false
        }
    }

    func testSizesThatAreNotSizes() throws {
        let flow = try DISOpticalFlow(preset: .fast)
        assertError(try flow.flow(from: [], to: [], width: 0, height: 10)) { $0 == .invalidSize(width: 0, height: 10) }
        assertError(try flow.flow(from: [], to: [], width: -4, height: 10)) { $0 == .invalidSize(width: -4, height: 10) }
        assertError(try flow.flow(from: [], to: [], width: Int.max, height: 2)) {
            $0 == .invalidSize(width: Int.max, height: 2)
        }
    }

    func testFramesTooSmallForDISAreAnOpenCVError() throws {
        let flow = try DISOpticalFlow(preset: .medium)
        assertError(try flow.flow(from: frame(8, 8), to: frame(8, 8), width: 8, height: 8)) {
            if case .opencv(_, _, let message) = $0 { return message.contains("vv_dis_flow") }
            return false
        }
        // The object is still usable afterwards.
        XCTAssertEqual(try flow.flow(from: frame(16, 16), to: frame(16, 16), width: 16, height: 16).count, 512)
    }

    func testEverySmallSizeEitherWorksOrThrows() throws {
        let flow = try DISOpticalFlow(preset: .ultrafast)
        var worked = 0
        for height in 1...20 {
            for width in [1, 2, 7, 8, 11, 12, 13, 20, 64] {
                if let field = try? flow.flow(from: frame(width, height), to: frame(width, height, value: 91),
                                              width: width, height: height) {
                    XCTAssertEqual(field.count, 2 * width * height)
                    worked += 1
                }
            }
        }
        XCTAssertGreaterThan(worked, 0)
    }

    func testBatchNamesTheFrameOfWrongSize() throws {
        let flow = try DISOpticalFlow(preset: .ultrafast)
        let frames = [frame(32, 32), frame(32, 32), frame(31, 32), frame(32, 32)]
        assertError(try flow.flows(frames: frames, width: 32, height: 32)) {
            $0 == .bufferSize(what: "frame 2 (32×32 RGB24)", expected: 3072, actual: 2976)
        }
    }

    func testBatchNeedsTwoFrames() throws {
        let flow = try DISOpticalFlow(preset: .ultrafast)
        assertError(try flow.flows(frames: [frame(32, 32)], width: 32, height: 32)) { $0 == .tooFewFrames(1) }
        assertError(try flow.flows(frames: [], width: 32, height: 32)) { $0 == .tooFewFrames(0) }
    }

    func testThreadCountRejectsNothingAndRestores() throws {
        let before = OpenCVRuntime.threadCount
        try OpenCVRuntime.setThreadCount(-3)  // ≤ 0 means OpenCV's default
        XCTAssertEqual(OpenCVRuntime.threadCount, before)
    }
}
