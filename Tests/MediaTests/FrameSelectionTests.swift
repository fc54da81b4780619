import Media
import TestSupport
import XCTest

/// Sparse selections: the right frames, the same pixels as decoding everything,
/// and less decoding than decoding everything.
final class FrameSelectionTests: XCTestCase {
    var video: URL!
    var everyFrame: [DecodedFrame] = []

    override func setUpWithError() throws {
        let dir = try TestSupport.temporaryFolder()
        video = try TestSupport.makePatternVideo(at: dir.appendingPathComponent("long.mp4"), width: 320, height: 240,
                                                 frames: 150, options: EncodeOptions(fps: 25, keyframeInterval: 25, maxBFrames: 2))
        everyFrame = try VideoDecoder(url: video).decodeFrames(.all).frames
        XCTAssertEqual(everyFrame.count, 150)
    }

    func assertSameAsFull(_ selection: FrameSelection, expected: [Int], file: StaticString = #filePath, line: UInt = #line) throws -> DecodeReport {
        let (frames, report) = try VideoDecoder(url: video).decodeFrames(selection)
        XCTAssertEqual(frames.map(\.index), expected, "indices for \(selection)", file: file, line: line)
        for f in frames {
            XCTAssertTrue(f.pixels == everyFrame[f.index].pixels, "pixels of frame \(f.index) under \(selection)", file: file, line: line)
            XCTAssertEqual(f.time, everyFrame[f.index].time, accuracy: 1e-9, file: file, line: line)
        }
        XCTAssertEqual(report.missingIndices, [], file: file, line: line)
        return report
    }

    func testExplicitIndicesSeekAndMatch() throws {
        let report = try assertSameAsFull(.indices([140, 3, 77, 76, 3]), expected: [3, 76, 77, 140])
        XCTAssertGreaterThanOrEqual(report.seeks, 2, "frame 76 and 140 lie past later key frames")
        XCTAssertLessThan(report.framesDecoded, 75, "decoded \(report.framesDecoded) of 150 frames for 4 targets")
    }

    func testUniformSegmentCentres() throws {
        // ticks = linspace(0,150,9) → 0,18,37,56,75,93,112,131,150; centres tick + gap//2
        let report = try assertSameAsFull(.uniform(8), expected: [9, 27, 46, 65, 84, 102, 121, 140])
        XCTAssertLessThan(report.framesDecoded, 150)
    }

    func testFPSResamplingKeepsEveryFifthFrameAt5FPS() throws {
        _ = try assertSameAsFull(.fps(5), expected: Array(stride(from: 0, to: 150, by: 5)))
    }

    func testFPSAboveSourceRateKeepsEveryFrameOnce() throws {
        _ = try assertSameAsFull(.fps(60), expected: Array(0..<150))
    }

    func testSeekingOffGivesSamePixels() throws {
        let (frames, report) = try VideoDecoder(url: video, options: DecodeOptions(allowSeeking: false)).decodeFrames(.indices([130]))
        XCTAssertEqual(frames.map(\.index), [130])
        XCTAssertTrue(frames[0].pixels == everyFrame[130].pixels)
        XCTAssertEqual(report.seeks, 0)
        XCTAssertGreaterThanOrEqual(report.framesDecoded, 131)
    }

    func testIndicesPastTheEndAreDropped() throws {
        _ = try assertSameAsFull(.indices([149, 150, 900]), expected: [149])
    }

    func testSegmentCentresMatchNumpy() throws {
        // Independent reference: numpy's linspace arithmetic, computed by /usr/bin/python3.
        let script = """
        import numpy as np, json
        out = {}
        for T in [1, 2, 5, 7, 16, 17, 30, 100, 149, 150, 301, 1000]:
            for N in [1, 3, 8, 16, 32]:
                if T <= N: idx = np.linspace(0, T - 1, N).astype(int)
                else:
                    t = np.linspace(0, T, N + 1).astype(int)
                    idx = t[:-1] + (t[1:] - t[:-1]) // 2
                out[f"{T},{N}"] = [int(i) for i in idx]
        print(json.dumps(out))
        """
        let result = try TestSupport.run("/usr/bin/python3", ["-c", script])
        XCTAssertEqual(result.status, 0, "python3-numpy is needed: \(result.stderr)")
        let expected = try JSONDecoder().decode([String: [Int]].self, from: result.stdout)
        XCTAssertEqual(expected.count, 60)
        for (key, value) in expected {
            let parts = key.split(separator: ",").map { Int($0)! }
            XCTAssertEqual(FrameSelection.segmentCentres(frameCount: parts[0], samples: parts[1]), value, "T,N = \(key)")
        }
    }

    func testParsing() throws {
        XCTAssertEqual(try FrameSelection(parsing: "all"), .all)
        XCTAssertEqual(try FrameSelection(parsing: "fps:2.5"), .fps(2.5))
        XCTAssertEqual(try FrameSelection(parsing: "uniform:16"), .uniform(16))
        XCTAssertEqual(try FrameSelection(parsing: "indices:4,1"), .indices([4, 1]))
        for bad in ["", "fps", "fps:0", "fps:-1", "uniform:x", "uniform:0", "indices:", "indices:-3", "every:2"] {
            XCTAssertThrowsError(try FrameSelection(parsing: bad), bad) { error in
                XCTAssertTrue((error as? MediaError)?.errorDescription?.contains("frame selection") ?? false)
            }
        }
    }
}
