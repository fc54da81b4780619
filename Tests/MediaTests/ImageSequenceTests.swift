import Media
import TestSupport
import XCTest

/// Folders of numbered JPEG frames (Animal Kingdom's `image/<id>/<id>_000000.jpg`, …)
/// decode through image2 exactly as `ffmpeg -start_number N -i DIR/<id>_%06d.jpg` does,
/// with frame indices that are file numbers, and gaps are errors rather than a silent stop.
final class ImageSequenceTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try TestSupport.temporaryFolder() }

    /// Writes `count` JPEG frames of a moving test card, numbered from `start`, with the ffmpeg tool.
    @discardableResult
    func makeFrames(in folder: URL, pattern: String = "abc_%06d.jpg", count: Int = 7, start: Int = 0,
                    size: String = "96x72", pixelFormat: String? = nil) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let format = pixelFormat.map { ["-pix_fmt", $0] } ?? []
        let made = try TestSupport.run("ffmpeg", ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=\(size):rate=5",
                                                  "-frames:v", String(count)] + format
                                                  + ["-start_number", String(start), Self.patternPath(folder, pattern)])
        XCTAssertEqual(made.status, 0, made.stderr)
        return folder
    }

    func reference(_ folder: URL, pattern: String = "abc_%06d.jpg", start: Int) throws -> [[UInt8]] {
        try TestSupport.ffmpegReferenceFrames(input: ["-start_number", String(start), "-i", Self.patternPath(folder, pattern)])
    }

    /// `folder/pattern` as the ffmpeg tool reads it: a `%` of the folder's name doubled.
    static func patternPath(_ folder: URL, _ pattern: String) -> String {
        folder.path.replacingOccurrences(of: "%", with: "%%") + "/" + pattern
    }

    func error(_ body: () throws -> Void) -> MediaError? {
        do { try body(); return nil } catch { return error as? MediaError }
    }

    func testFolderOfJPEGsMatchesTheCLI() throws {
        let folder = try makeFrames(in: dir.appendingPathComponent("abc"))
        let sequence = try ImageSequence(folder: folder)
        XCTAssertEqual(sequence.pattern, "abc_%06d.jpg")
        XCTAssertEqual(sequence.startNumber, 0)
        XCTAssertEqual(sequence.frameCount, 7)
        let decoder = try VideoDecoder(imageSequence: sequence)
        XCTAssertEqual(decoder.info.frameCount, 7)
        XCTAssertEqual([decoder.info.width, decoder.info.height], [96, 72])
        XCTAssertEqual(decoder.info.codec, "mjpeg")
        XCTAssertEqual(decoder.info.averageFrameRate ?? 0, 25, accuracy: 1e-9, "image2's default rate")
        let frames = try decoder.decodeFrames(.all).frames
        XCTAssertEqual(frames.map(\.index), Array(0..<7))
        for frame in frames { XCTAssertEqual(frame.time, Double(frame.index) / 25, accuracy: 1e-9) }
        assertFramesMatch(frames, try reference(folder, start: 0), "yuvj444p JPEGs")
    }

    func testOddSized420JPEGsMatchTheCLI() throws {
        let folder = try makeFrames(in: dir.appendingPathComponent("odd"), size: "97x71", pixelFormat: "yuvj420p")
        let frames = try VideoDecoder(imageFolder: folder).decodeFrames().frames
        assertFramesMatch(frames, try reference(folder, start: 0), "yuvj420p JPEGs")
    }

    func testIndicesAreFileNumbersWhenTheFolderStartsLater() throws {
        let folder = try makeFrames(in: dir.appendingPathComponent("late"), count: 7, start: 5)
        let sequence = try ImageSequence(folder: folder)
        XCTAssertEqual(sequence.startNumber, 5)
        XCTAssertEqual(sequence.files.first?.lastPathComponent, "abc_000005.jpg")
        let all = try VideoDecoder(imageSequence: sequence).decodeFrames().frames
        XCTAssertEqual(all.map(\.index), Array(5...11))
        assertFramesMatch(all, try reference(folder, start: 5), "start_number 5")

        let decoder = try VideoDecoder(imageSequence: sequence)
        XCTAssertEqual(decoder.plannedIndices(.indices([2, 6, 9, 30])), [6, 9], "indices name file numbers")
        XCTAssertEqual(decoder.plannedIndices(.fps(5)), [5, 10], "one frame in five at 25 fps")
        XCTAssertEqual(decoder.plannedIndices(.uniform(2)), FrameSelection.segmentCentres(frameCount: 7, samples: 2).map { $0 + 5 })
        let (picked, report) = try decoder.decodeFrames(.indices([6, 9, 12]))
        XCTAssertEqual(picked.map(\.index), [6, 9])
        XCTAssertEqual(report.missingIndices, [], "12 is past the end and never planned")
        XCTAssertTrue(picked[0].pixels == all[1].pixels && picked[1].pixels == all[4].pixels)
    }

    func testAGapIsAnErrorNamingTheFolderAndTheFirstMissingFile() throws {
        let folder = try makeFrames(in: dir.appendingPathComponent("gap"), count: 6)
        for missing in [2, 4] {
            try FileManager.default.removeItem(at: folder.appendingPathComponent(String(format: "abc_%06d.jpg", missing)))
        }
        let expected = MediaError.missingFrameFile(folder: folder.path, file: "abc_000002.jpg")
        XCTAssertEqual(error { _ = try ImageSequence(folder: folder) }, expected)
        XCTAssertEqual(error { _ = try VideoDecoder(imageFolder: folder) }, expected)
        XCTAssertEqual(error { _ = try ImageSequence.frameFiles(in: folder) }, expected)
        let text = expected.errorDescription ?? ""
        XCTAssertTrue(text.contains(folder.path) && text.contains("abc_000002.jpg"), text)
    }

    func testEmptyMissingAndPatternlessFoldersAreErrors() throws {
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        guard case .invalidImageSequence(let folder, let reason)? = error({ _ = try ImageSequence(folder: empty) }) else {
            return XCTFail("an empty folder is an error")
        }
        XCTAssertEqual(folder, empty.path)
        XCTAssertTrue(reason.contains("empty"), reason)

        guard case .invalidImageSequence? = error({ _ = try ImageSequence(folder: dir.appendingPathComponent("nope")) }) else {
            return XCTFail("a missing folder is an error")
        }

        let other = dir.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try "labels".write(to: other.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try Data([0xFF, 0xD8]).write(to: other.appendingPathComponent("cover.jpg"))
        let patternless = error { _ = try VideoDecoder(imageFolder: other) }
        guard case .invalidImageSequence(_, let why)? = patternless else { return XCTFail("no numbered images is an error") }
        XCTAssertTrue(why.contains("no numbered image files"), why)
        XCTAssertTrue(patternless?.errorDescription?.contains(other.path) ?? false)

        let abc = try makeFrames(in: dir.appendingPathComponent("abc"), count: 2)
        guard case .invalidImageSequence? = error({ _ = try ImageSequence(folder: abc, pattern: "xyz_%06d.jpg") }) else {
            return XCTFail("a pattern that matches nothing is an error")
        }
        guard case .invalidImageSequence? = error({ _ = try ImageSequence(folder: abc, pattern: "abc_000000.jpg") }) else {
            return XCTFail("a pattern without a number is an error")
        }
    }

    func testSeveralPatternsNeedTheOneToReadNamed() throws {
        let folder = try makeFrames(in: dir.appendingPathComponent("mixed"), count: 3)
        try makeFrames(in: folder, pattern: "thumb_%02d.jpg", count: 2, start: 1)
        guard case .invalidImageSequence(_, let reason)? = error({ _ = try ImageSequence(folder: folder) }) else {
            return XCTFail("two numbered patterns are ambiguous")
        }
        XCTAssertTrue(reason.contains("abc_%06d.jpg") && reason.contains("thumb_%02d.jpg"), reason)
        XCTAssertEqual(try ImageSequence.frameFiles(in: folder, id: "abc").map(\.name),
                       ["abc_000000.jpg", "abc_000001.jpg", "abc_000002.jpg"], "an item id picks its own files")
        XCTAssertEqual(try VideoDecoder(imageSequence: folder, id: "abc").info.frameCount, 3)
        guard case .invalidImageSequence? = error({ _ = try ImageSequence(folder: folder, id: "zebra") }) else {
            return XCTFail("an id without files is an error")
        }
        let thumbs = try ImageSequence(folder: folder, pattern: "thumb_%02d.jpg")
        XCTAssertEqual(thumbs.files.map(\.lastPathComponent), ["thumb_01.jpg", "thumb_02.jpg"])
        let frames = try VideoDecoder(imageSequence: thumbs).decodeFrames().frames
        XCTAssertEqual(frames.map(\.index), [1, 2])
        assertFramesMatch(frames, try reference(folder, pattern: "thumb_%02d.jpg", start: 1), "explicit pattern")
    }

    func testFrameFilesAreInNumberOrderEvenWithoutPadding() throws {
        let folder = try makeFrames(in: dir.appendingPathComponent("plain"), pattern: "img%d.jpg", count: 12, start: 1,
                                    size: "32x24")
        try "not a frame".write(to: folder.appendingPathComponent(".DS_Store"), atomically: true, encoding: .utf8)
        let files = try ImageSequence.frameFiles(in: folder)
        XCTAssertEqual(files.map(\.name), (1...12).map { "img\($0).jpg" })
        XCTAssertEqual(files.map(\.number), Array(1...12))
        XCTAssertEqual(files.first?.url, folder.appendingPathComponent("img1.jpg"))
        XCTAssertEqual(try ImageSequence(folder: folder).pattern, "img%d.jpg")
        let frames = try VideoDecoder(imageFolder: folder).decodeFrames().frames
        XCTAssertEqual(frames.map(\.index), Array(1...12))
        assertFramesMatch(frames, try reference(folder, pattern: "img%d.jpg", start: 1), "unpadded numbers")
    }

    func testAPercentSignInTheFolderNameIsTakenLiterally() throws {
        let folder = try makeFrames(in: dir.appendingPathComponent("clip 50%d"), count: 3, size: "32x24")
        let frames = try VideoDecoder(imageFolder: folder).decodeFrames().frames
        XCTAssertEqual(frames.map(\.index), [0, 1, 2])
        let plain = try makeFrames(in: dir.appendingPathComponent("clip"), count: 3, size: "32x24")
        XCTAssertEqual(frames.map(\.pixels), try VideoDecoder(imageFolder: plain).decodeFrames().frames.map(\.pixels))
    }
}
