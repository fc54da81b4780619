import Media
import TestSupport
import XCTest

/// A stream with a display matrix decodes as the ffmpeg tool shows it by default:
/// turned (or mirrored) upright before the 224 × 224 resize, bit for bit.
/// The sources are 64 × 48, so a missing or wrong turn changes the picture.
final class AutorotateTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try TestSupport.temporaryFolder() }

    /// 16.16 fixed-point one, and the matrix's last entry (2.30 fixed-point one).
    let one: Int32 = 1 << 16, w: Int32 = 1 << 30

    /// A 64 × 48 pattern video, remuxed by the ffmpeg tool with a `rotate` stream tag,
    /// which ffmpeg 5.1's MP4 muxer turns into the track's display matrix.
    func taggedVideo(rotate degrees: Int) throws -> URL {
        let plain = try TestSupport.makePatternVideo(at: dir.appendingPathComponent("plain\(degrees).mp4"), width: 64, height: 48,
                                                     frames: 8, options: EncodeOptions(keyframeInterval: 3, maxBFrames: 1))
        let tagged = dir.appendingPathComponent("rotate\(degrees).mp4")
        let made = try TestSupport.run("ffmpeg", ["-nostdin", "-v", "error", "-i", plain.path, "-c", "copy",
                                                  "-metadata:s:v:0", "rotate=\(degrees)", tagged.path])
        XCTAssertEqual(made.status, 0, made.stderr)
        return tagged
    }

    /// A 64 × 48 pattern video whose display matrix Media's encoder stores itself.
    func videoWithMatrix(_ matrix: [Int32], name: String) throws -> URL {
        try TestSupport.makePatternVideo(at: dir.appendingPathComponent("\(name).mp4"), width: 64, height: 48, frames: 5,
                                         options: EncodeOptions(maxBFrames: 0, displayMatrix: matrix))
    }

    func assertMatchesCLI(_ url: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let frames = try VideoDecoder(url: url).decodeFrames(.all).frames
        assertFramesMatch(frames, try TestSupport.ffmpegReferenceFrames(url), url.lastPathComponent, file: file, line: line)
    }

    func testRotateTag90IsTurnedUprightLikeTheCLI() throws {
        let url = try taggedVideo(rotate: 90)
        let info = try VideoDecoder(url: url).info
        // ffprobe reports "rotation of 90 degrees" (counter-clockwise): the CLI inserts transpose=cclock.
        XCTAssertEqual(info.rotation, 270)
        XCTAssertEqual([info.width, info.height], [48, 64], "the displayed size is the turned one")
        try assertMatchesCLI(url)
    }

    func testRotateTag180IsTurnedUprightLikeTheCLI() throws {
        let url = try taggedVideo(rotate: 180)
        let info = try VideoDecoder(url: url).info
        XCTAssertEqual(info.rotation, 180)
        XCTAssertEqual([info.width, info.height], [64, 48])
        try assertMatchesCLI(url)
    }

    func testRotateTag270IsTurnedUprightLikeTheCLI() throws {
        let url = try taggedVideo(rotate: 270)
        let info = try VideoDecoder(url: url).info
        XCTAssertEqual(info.rotation, 90)
        XCTAssertEqual([info.width, info.height], [48, 64])
        try assertMatchesCLI(url)
    }

    func testTurnedFramesDifferFromCodedOnes() throws {
        // Guards the comparisons above: with the turn left out, the frames are not the CLI's.
        let url = try taggedVideo(rotate: 180)
        let coded = try VideoDecoder(url: url, options: DecodeOptions(autorotate: false)).decodeFrames().frames
        let reference = try TestSupport.ffmpegReferenceFrames(url)
        XCTAssertEqual(coded.count, reference.count)
        XCTAssertNotEqual(coded.first?.pixels, reference.first)
    }

    func testAutorotateOffGivesTheCodedPictureLikeNoautorotate() throws {
        let url = try taggedVideo(rotate: 90)
        let decoder = try VideoDecoder(url: url, options: DecodeOptions(autorotate: false))
        XCTAssertEqual([decoder.info.width, decoder.info.height], [64, 48])
        XCTAssertEqual(decoder.info.rotation, 270, "the stream's rotation is still reported")
        let frames = try decoder.decodeFrames().frames
        assertFramesMatch(frames, try TestSupport.ffmpegReferenceFrames(input: ["-noautorotate", "-i", url.path]), "noautorotate")
    }

    func testMirroringMatricesMatchTheCLI() throws {
        // The CLI's variants: hflip alone, vflip alone, transpose=cclock_flip and transpose=clock_flip.
        let cases: [(String, [Int32], rotation: Int, size: [Int])] = [
            ("hflip", [-one, 0, 0, 0, one, 0, 0, 0, w], 180, [64, 48]),
            ("vflip", [one, 0, 0, 0, -one, 0, 0, 0, w], 0, [64, 48]),
            ("cclock_flip", [0, one, 0, one, 0, 0, 0, 0, w], 90, [48, 64]),
            ("clock_flip", [0, -one, 0, -one, 0, 0, 0, 0, w], 270, [48, 64]),
            ("clock", [0, one, 0, -one, 0, 0, 0, 0, w], 90, [48, 64]),
        ]
        for (name, matrix, rotation, size) in cases {
            let url = try videoWithMatrix(matrix, name: name)
            let info = try VideoDecoder(url: url).info
            XCTAssertEqual(info.rotation, rotation, name)
            XCTAssertEqual([info.width, info.height], size, name)
            let frames = try VideoDecoder(url: url).decodeFrames().frames
            assertFramesMatch(frames, try TestSupport.ffmpegReferenceFrames(url), name)
        }
    }

    func testSparseSelectionOfATurnedVideoSeeksToTheSameFrames() throws {
        let url = try taggedVideo(rotate: 270)
        let all = try VideoDecoder(url: url).decodeFrames().frames
        let (picked, report) = try VideoDecoder(url: url).decodeFrames(.indices([1, 6]))
        XCTAssertEqual(picked.map(\.index), [1, 6])
        XCTAssertGreaterThan(report.seeks, 0)
        XCTAssertTrue(picked[0].pixels == all[1].pixels && picked[1].pixels == all[6].pixels)
    }

    func testSubsampled422IsConvertedAsTheCLIDoesBeforeATranspose() throws {
        // transpose takes no 4:2:2; the CLI's filter graph converts to 4:4:4 first. hflip/vflip take it as it is.
        let plain = dir.appendingPathComponent("mjpeg422.mp4")
        let made = try TestSupport.run("ffmpeg", ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10",
                                                  "-frames:v", "4", "-c:v", "mjpeg", "-pix_fmt", "yuvj422p", plain.path])
        XCTAssertEqual(made.status, 0, made.stderr)
        for degrees in [90, 180] {
            let tagged = dir.appendingPathComponent("mjpeg422-\(degrees).mp4")
            let remuxed = try TestSupport.run("ffmpeg", ["-nostdin", "-v", "error", "-i", plain.path, "-c", "copy",
                                                         "-metadata:s:v:0", "rotate=\(degrees)", tagged.path])
            XCTAssertEqual(remuxed.status, 0, remuxed.stderr)
            let decoder = try VideoDecoder(url: tagged)
            XCTAssertEqual(decoder.info.rotation, 360 - degrees)
            let frames = try decoder.decodeFrames().frames
            assertFramesMatch(frames, try TestSupport.ffmpegReferenceFrames(tagged), "yuvj422p rotate=\(degrees)")
        }
    }
}
