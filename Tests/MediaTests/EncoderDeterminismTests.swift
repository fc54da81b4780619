import Foundation
import Media
import TestSupport
import XCTest

/// The encoder behind `vimo-synth` must write the same file for the same frames: the tests compare
/// caches built from two generated datasets byte for byte. Before, one clip in a few hundred came out
/// different (x264's vector mbtree code, and swscale reading past the caller's array): the cache
/// tests then failed on an item whose video, not whose cache, had changed.
final class EncoderDeterminismTests: XCTestCase {
    private func encode(_ frames: [[UInt8]], width: Int, height: Int, codec: EncodeOptions.Codec, offset: Int,
                        to url: URL) throws -> Data {
        let encoder = try VideoEncoder(url: url, width: width, height: height, options: EncodeOptions(codec: codec))
        let bytes = width * height * 3
        // Each frame at `offset` bytes past a 64-byte boundary, with junk after it.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes + 64 + 4096, alignment: 64)
        defer { buffer.deallocate() }
        for rgb in frames {
            buffer.initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: 0x5A &+ offset))
            let place = UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + bytes)])
            rgb.withUnsafeBytes { place.copyMemory(from: $0) }
            try encoder.append(rgbBytes: UnsafeRawBufferPointer(place))
        }
        try encoder.finish()
        return try Data(contentsOf: url)
    }

    func testTheSameFramesGiveTheSameFileWhereverTheyLieInMemory() throws {
        let folder = try TestSupport.temporaryFolder("vimo-encoder")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        // 96 × 64 is the synthetic datasets' size.
        for (width, height) in [(96, 64), (160, 120)] {
            let pixels = (0..<4).map { TestSupport.patternFrame(width: width, height: height, index: $0, seed: 3) }
            for codec in [EncodeOptions.Codec.auto, .mpeg4] {
                var files: [Int: Data] = [:]
                for (run, offset) in [0, 0, 1, 3, 8, 16, 32, 48, 63, 0].enumerated() {
                    let url = folder.appendingPathComponent("clip-\(width)x\(height)-\(codec)-\(run).mp4")
                    files[run] = try encode(pixels, width: width, height: height, codec: codec, offset: offset, to: url)
                }
                let differing = files.keys.sorted().filter { files[$0] != files[0] }
                XCTAssertEqual(differing, [], "\(width)×\(height) \(codec): these encodes (of 10, at offsets 0, 0, 1, 3, 8, 16, 32, 48, 63, 0) differ from the first")
            }
        }
    }
}
