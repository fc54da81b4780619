import Media
import TestSupport
import XCTest

/// Timestamps: variable frame rate and streams without timestamps.
final class TimestampTests: XCTestCase {
    func testVariableFrameRateTimesAreReported() throws {
        let dir = try TestSupport.temporaryFolder()
        let url = dir.appendingPathComponent("vfr.mkv")
        // Time base 1/100 s; frames at irregular ticks.
        let ticks: [Int64] = [0, 4, 5, 13, 14, 40, 41, 42, 90]
        let encoder = try VideoEncoder(url: url, width: 160, height: 120, options: EncodeOptions(fps: 100, maxBFrames: 0))
        for (i, t) in ticks.enumerated() {
            try encoder.append(rgb: TestSupport.patternFrame(width: 160, height: 120, index: i), pts: t)
        }
        try encoder.finish()
        let decoder = try VideoDecoder(url: url)
        let frames = try decoder.decodeFrames(.all).frames
        XCTAssertEqual(frames.count, ticks.count)
        for (f, t) in zip(frames, ticks) { XCTAssertEqual(f.time, Double(t) / 100, accuracy: 1e-3) }
        // Resampling at 10 fps follows the real times, not the frame count: ticks at 0, .1, .2, … s
        XCTAssertEqual(decoder.plannedIndices(.fps(10)), [0, 3, 5, 8])
    }

    func testRawH264WithoutTimestampsDecodesEveryFrame() throws {
        guard VideoEncoder.h264Available else { throw XCTSkip("no libx264 in this FFmpeg") }
        let dir = try TestSupport.temporaryFolder()
        let mp4 = try TestSupport.makePatternVideo(at: dir.appendingPathComponent("s.mp4"), width: 160, height: 120, frames: 20,
                                                   options: EncodeOptions(fps: 20, keyframeInterval: 5, maxBFrames: 2))
        let raw = dir.appendingPathComponent("s.h264")
        let copied = try TestSupport.run("ffmpeg", ["-nostdin", "-v", "error", "-i", mp4.path, "-c", "copy", "-f", "h264", raw.path])
        XCTAssertEqual(copied.status, 0, copied.stderr)
        let decoder = try VideoDecoder(url: raw)
        XCTAssertFalse(decoder.info.hasTimestamps)
        let all = try decoder.decodeFrames(.all).frames
        let reference = try VideoDecoder(url: mp4).decodeFrames(.all).frames
        XCTAssertEqual(all.count, 20)
        XCTAssertEqual(all.map(\.index), Array(0..<20))
        XCTAssertEqual(all.map(\.pixels), reference.map(\.pixels))
        let picked = try VideoDecoder(url: raw).decodeFrames(.indices([2, 17])).frames
        XCTAssertEqual(picked.map(\.index), [2, 17])
        XCTAssertTrue(picked[1].pixels == reference[17].pixels)
    }
}
