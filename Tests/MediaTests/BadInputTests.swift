import Media
import TestSupport
import XCTest

/// Broken files give a MediaError that names the file and says what is wrong.
final class BadInputTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try TestSupport.temporaryFolder() }

    func openError(_ url: URL) -> MediaError? {
        do { _ = try VideoDecoder(url: url).decodeFrames(); return nil } catch { return error as? MediaError }
    }

    func testZeroByteFile() throws {
        let url = dir.appendingPathComponent("empty.mp4")
        XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: Data()))
        guard case .unreadable(let path, _)? = openError(url) else { return XCTFail("expected unreadable") }
        XCTAssertEqual(path, url.path)
    }

    func testTextFileNamedMP4() throws {
        let url = dir.appendingPathComponent("notes.mp4")
        try "these are not frames\n".write(to: url, atomically: true, encoding: .utf8)
        let error = openError(url)
        guard case .unreadable? = error else { return XCTFail("expected unreadable, got \(String(describing: error))") }
        XCTAssertTrue(error!.localizedDescription.contains("notes.mp4"))
    }

    func testMissingFile() throws {
        guard case .unreadable? = openError(dir.appendingPathComponent("nope.mp4")) else { return XCTFail() }
    }

    func testAudioOnlyFile() throws {
        let url = dir.appendingPathComponent("sound.mp4")
        let made = try TestSupport.run("ffmpeg", ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
                                                  "-c:a", "aac", url.path])
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertEqual(openError(url), .noVideoStream(path: url.path))
    }

    func testTruncatedFileWithIndexAtTheEnd() throws {
        let url = try TestSupport.makePatternVideo(at: dir.appendingPathComponent("t.mp4"), frames: 30)
        let data = try Data(contentsOf: url)
        try data.prefix(data.count / 2).write(to: url)
        guard case .unreadable? = openError(url) else { return XCTFail("a truncated mp4 without its index cannot be opened") }
    }

    func testCorruptMiddleStillDecodesAndCountsDamage() throws {
        let url = try TestSupport.makePatternVideo(at: dir.appendingPathComponent("c.mkv"), frames: 60,
                                                   options: EncodeOptions(keyframeInterval: 10))
        var data = try Data(contentsOf: url)
        var generator = SystemRandomNumberGenerator()
        let start = data.count / 2
        for i in start..<(start + 2000) { data[i] = UInt8.random(in: 0...255, using: &generator) }
        try data.write(to: url)
        let (frames, _) = try VideoDecoder(url: url).decodeFrames()
        XCTAssertGreaterThan(frames.count, 20, "frames before and after the damage still decode")
        XCTAssertTrue(frames.allSatisfy { $0.pixels.count == 224 * 224 * 3 })
    }

    func testOneFrameVideo() throws {
        let url = try TestSupport.makePatternVideo(at: dir.appendingPathComponent("one.mp4"), frames: 1)
        let (frames, _) = try VideoDecoder(url: url).decodeFrames()
        XCTAssertEqual(frames.map(\.index), [0])
        XCTAssertEqual(try VideoDecoder(url: url).decodeFrames(.uniform(16)).frames.map(\.index), [0])
    }

    func test4KVideoIsScaledTo224() throws {
        let url = try TestSupport.makePatternVideo(at: dir.appendingPathComponent("uhd.mp4"), width: 3840, height: 2160, frames: 3,
                                                   options: EncodeOptions(threads: 2))
        let decoder = try VideoDecoder(url: url, options: DecodeOptions(threads: 2))
        XCTAssertEqual(decoder.info.width, 3840)
        let frames = try decoder.decodeFrames().frames
        XCTAssertEqual(frames.count, 3)
        XCTAssertEqual(frames[0].pixels, try TestSupport.ffmpegReferenceFrames(url)[0])
    }

    func testEncoderRejectsOddSizes() {
        XCTAssertThrowsError(try VideoEncoder(url: dir.appendingPathComponent("x.mp4"), width: 31, height: 20))
    }
}
