import Core
import Foundation
import XCTest

/// The gzip reader against files Python's gzip and zlib write, and against damaged ones.
final class GzipTests: XCTestCase {
    /// Python writes: `plain.gz` (gzip.GzipFile with FNAME), `flags.gz` (a hand-made header with FEXTRA,
    /// FNAME, FCOMMENT and FHCRC around a stream sync-flushed every 997 bytes, so hundreds of stored blocks
    /// (empty ones, and full ones for the noise) follow Huffman blocks at every bit offset), `empty.gz`, and `payload.bin`, the bytes both hold.
    private static let writer = #"""
import gzip, os, random, struct, sys, zlib
out = sys.argv[1]
rng = random.Random(7)
text = b"".join(b"the %d quick brown foxes jump over the lazy dog\n" % i for i in range(3000))
noise = bytes(rng.getrandbits(8) for _ in range(70000))
payload = text[:50000] + noise + text[50000:]
open(os.path.join(out, "payload.bin"), "wb").write(payload)
with open(os.path.join(out, "plain.gz"), "wb") as raw:
    with gzip.GzipFile(filename="payload.bin", mode="wb", fileobj=raw, mtime=0) as handle:
        handle.write(payload)
deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
stream = b"".join(deflate.compress(payload[i:i + 997]) + deflate.flush(zlib.Z_SYNC_FLUSH)
                 for i in range(0, len(payload), 997)) + deflate.flush(zlib.Z_FINISH)
header = b"\x1f\x8b\x08" + bytes([0x02 | 0x04 | 0x08 | 0x10]) + struct.pack("<I", 0) + b"\x02\x03"
header += struct.pack("<H", 6) + b"AB\x02\x00hi" + b"payload.bin\x00" + "a comment, caf\xe9".encode("latin-1") + b"\x00"
header += struct.pack("<H", zlib.crc32(header) & 0xFFFF)
trailer = struct.pack("<II", zlib.crc32(payload), len(payload) & 0xFFFFFFFF)
open(os.path.join(out, "flags.gz"), "wb").write(header + stream + trailer)
open(os.path.join(out, "empty.gz"), "wb").write(gzip.compress(b"", mtime=0))
"""#

    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("vimo-gzip-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", Self.writer, folder.path]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "the Python writer failed")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func bytes(_ name: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(name)) }

    private func assertError(_ data: Data, contains part: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Gzip.decompress(data, file: "test.gz"), file: file, line: line) { error in
            let message = error.localizedDescription
            XCTAssertTrue(message.hasPrefix("test.gz: "), message, file: file, line: line)
            XCTAssertTrue(message.contains(part), "\(message) should say \(part)", file: file, line: line)
        }
    }

    func testReadsWhatPythonWrites() throws {
        let payload = try bytes("payload.bin")
        let plain = try bytes("plain.gz")
        XCTAssertEqual(plain[3] & 0x08, 0x08, "Python's GzipFile sets FNAME")
        XCTAssertTrue(Gzip.isGzip(plain))
        XCTAssertEqual(try Gzip.decompress(plain, file: "plain.gz"), payload)
        XCTAssertEqual(try Gzip.decompress(bytes("flags.gz"), file: "flags.gz"), payload)
        XCTAssertEqual(try Gzip.decompress(bytes("empty.gz"), file: "empty.gz"), Data())
        // A slice that does not start at index 0 reads the same.
        let padded = Data([0xAA]) + plain
        XCTAssertEqual(try Gzip.decompress(padded.dropFirst(), file: "plain.gz"), payload)
    }

    func testDamageIsReportedWithWhatIsWrong() throws {
        let plain = try bytes("plain.gz")
        var crc = plain
        crc[crc.count - 8] ^= 0xFF
        assertError(crc, contains: "CRC-32 mismatch")
        var size = plain
        size[size.count - 1] ^= 0x01
        assertError(size, contains: "ISIZE")
        var header = try bytes("flags.gz")
        header[12] ^= 0x01  // inside FEXTRA, covered by FHCRC
        assertError(header, contains: "header CRC-16 mismatch")
        assertError(plain.prefix(plain.count / 2), contains: "gzip data")
        assertError(plain.prefix(12), contains: "truncated")
        assertError(plain + plain, contains: "multi-member")
        assertError(Data("plain text".utf8), contains: "not gzip")
        var method = plain
        method[2] = 7
        assertError(method, contains: "compression method 7")
        var reserved = plain
        reserved[3] |= 0x20
        assertError(reserved, contains: "reserved")
        var stream = plain
        stream[40] ^= 0x55
        XCTAssertThrowsError(try Gzip.decompress(stream, file: "test.gz"), "a damaged deflate stream")
    }
}
