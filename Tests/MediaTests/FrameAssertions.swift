import Media
import XCTest

/// Fails unless `frames` are the ffmpeg tool's `reference` frames: as many, in order, byte for byte.
func assertFramesMatch(_ frames: [DecodedFrame], _ reference: [[UInt8]], _ what: String = "",
                       file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertGreaterThan(reference.count, 0, "\(what): ffmpeg gave no frames", file: file, line: line)
    XCTAssertEqual(frames.count, reference.count, "\(what): frame count", file: file, line: line)
    for (f, r) in zip(frames, reference) where f.pixels != r {
        let differing = zip(f.pixels, r).filter { $0 != $1 }.count
        XCTFail("\(what): frame \(f.index) differs from ffmpeg in \(differing) of \(r.count) bytes", file: file, line: line)
        return
    }
}
