import Core
import Foundation
import XCTest

final class FileDigestTests: XCTestCase {
    func testKnownSHA256Vectors() throws {
        // FIPS 180-2 test vectors.
        XCTAssertEqual(FileDigest.sha256(of: Data("abc".utf8)),
                       "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(FileDigest.sha256(of: Data()),
                       "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testFileDigestAgreesWithSha256sum() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vimo-core-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("blob.bin")
        var bytes = [UInt8](repeating: 0, count: 3 << 20 | 12345)  // spans several 1 MiB reads
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2654435761 >> 7) }
        try Data(bytes).write(to: url)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(try FileDigest.sha256(of: url), "sha256:" + output.prefix(64))
    }

    func testCacheSkipsUnchangedFilesAndNoticesChanges() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vimo-core-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("v.mp4")
        try Data("first".utf8).write(to: url)
        let cacheFile = dir.appendingPathComponent("digests.tsv")
        let cache = DigestCache(file: cacheFile)
        let first = try cache.digest(of: url)
        XCTAssertEqual(first, FileDigest.sha256(of: Data("first".utf8)))
        XCTAssertEqual(try cache.digest(of: url), first)
        XCTAssertEqual(cache.filesRead, 1)
        try cache.save()

        let reloaded = DigestCache(file: cacheFile)
        XCTAssertEqual(try reloaded.digest(of: url), first)
        XCTAssertEqual(reloaded.filesRead, 0, "an unchanged file is not read again after a reload")

        try Data("second, longer".utf8).write(to: url)
        XCTAssertEqual(try reloaded.digest(of: url), FileDigest.sha256(of: Data("second, longer".utf8)))
        XCTAssertEqual(reloaded.filesRead, 1)
        XCTAssertThrowsError(try reloaded.digest(of: dir.appendingPathComponent("missing.mp4")))
    }
}

final class ShardSelectorTests: XCTestCase {
    func testShardsPartitionTheItems() throws {
        let ids = (0..<5000).map { String(format: "CLIP%05d", $0) }
        let shards = try (0..<7).map { try ShardSelector(parsing: "\($0)/7") }
        for id in ids { XCTAssertEqual(shards.filter { $0.contains(id) }.count, 1, id) }
        let sizes = shards.map { s in ids.filter { s.contains($0) }.count }
        XCTAssertTrue(sizes.allSatisfy { abs($0 - 5000 / 7) < 120 }, "balanced: \(sizes)")
    }

    func testStableHashIsFNV1a() {
        // Published FNV-1a 64 values.
        XCTAssertEqual(ShardSelector.stableHash(""), 0xcbf29ce484222325)
        XCTAssertEqual(ShardSelector.stableHash("a"), 0xaf63dc4c8601ec8c)
        XCTAssertEqual(ShardSelector.stableHash("foobar"), 0x85944171f73967e8)
    }

    func testParsingRejectsNonsense() {
        for bad in ["", "1", "3/3", "-1/2", "a/b", "1/0", "1/2/3"] {
            XCTAssertThrowsError(try ShardSelector(parsing: bad), bad)
        }
        XCTAssertEqual(try ShardSelector(parsing: "2/5").description, "2/5")
    }
}

final class ProgressLineTests: XCTestCase {
    func testRateAndETA() {
        let start = Date(timeIntervalSince1970: 1000)
        let line = ProgressLine(total: 100, start: start).render(done: 25, units: 500, failed: 2,
                                                                  now: Date(timeIntervalSince1970: 1010))
        XCTAssertEqual(line, "[ 25/100 items]     50.0 frames/s  ETA 30s  2 failed")
        XCTAssertEqual(ProgressLine.duration(3725), "1h02m")
        XCTAssertEqual(ProgressLine.duration(125), "2m05s")
    }
}

final class JSONTextTests: XCTestCase {
    func testQuotedEscapesLikeJSONAndParsesBack() throws {
        let text = "a\"b\\c\nd\te\u{1}é"
        XCTAssertEqual(JSONText.quoted(text), #""a\"b\\c\nd\te\u0001é""#)
        let parsed = try JSONSerialization.jsonObject(with: Data(JSONText.quoted(text).utf8), options: .fragmentsAllowed) as? String
        XCTAssertEqual(parsed, text, "Foundation's JSON parser reads it back")
    }
}
