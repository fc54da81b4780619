import Core
import Foundation
import TestSupport
import Text
import XCTest

/// `CLIPVocabularyLoader`: what it accepts, and errors that name the file and what is wrong.
final class LoaderTests: XCTestCase {
    private func folder() throws -> URL {
        let url = try TestSupport.temporaryFolder("vimo-text")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func assertError(_ url: URL, contains parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try CLIPVocabularyLoader.load(contentsOf: url), file: file, line: line) { error in
            let message = error.localizedDescription
            for part in parts { XCTAssertTrue(message.contains(part), "\(message) should contain \(part)", file: file, line: line) }
        }
    }

    func testFolderWithTheOpenAIFileLoads() throws {
        let folder = try folder()
        try FileManager.default.copyItem(at: TextFixtures.vocabularyURL(),
                                         to: folder.appendingPathComponent(CLIPVocabularyLoader.openAIFileName))
        XCTAssertEqual(try CLIPVocabularyLoader.load(contentsOf: folder).encode("Yawning"), [31989, 762])
    }

    func testMissingFilesAreNamed() throws {
        let folder = try folder()
        let missing = folder.appendingPathComponent("nope.txt.gz")
        assertError(missing, contains: [missing.path, "no such file"])
        assertError(folder, contains: [folder.path, "vocab.json", "merges.txt", "bpe_simple_vocab_16e6.txt.gz"])
        try Data("{}".utf8).write(to: folder.appendingPathComponent("vocab.json"))
        assertError(folder, contains: [folder.path, "no merges.txt"])
    }

    func testMalformedMergesAreNamedWithWhatIsWrong() throws {
        let folder = try folder()
        let short = folder.appendingPathComponent("short.txt")
        try Data("#version: 0.2\ni n\nt h\n".utf8).write(to: short)
        assertError(short, contains: [short.path, "3 merge lines", "48894"])

        let url = try TextFixtures.vocabularyURL()
        var lines = String(decoding: try Gzip.decompress(Data(contentsOf: url), file: url.path), as: UTF8.self)
            .split(separator: "\n", maxSplits: 48900, omittingEmptySubsequences: false).prefix(48900).map(String.init)
        lines[3] = "a b c"
        let bad = folder.appendingPathComponent("bad.txt")
        try Data(lines.joined(separator: "\n").utf8).write(to: bad)
        assertError(bad, contains: [bad.path, "line 4", "\"a b c\""])

        let binary = folder.appendingPathComponent("binary.txt")
        try Data([0x23, 0xFF, 0xFE, 0x0A]).write(to: binary)
        assertError(binary, contains: [binary.path, "not UTF-8"])
    }

    func testDamagedGzipIsNamed() throws {
        var bytes = try Data(contentsOf: TextFixtures.vocabularyURL())
        bytes[bytes.count - 6] ^= 0x01  // inside the trailer's CRC-32
        let folder = try folder()
        let damaged = folder.appendingPathComponent("damaged.txt.gz")
        try bytes.write(to: damaged)
        assertError(damaged, contains: [damaged.path, "CRC-32 mismatch"])
        let cut = folder.appendingPathComponent("cut.txt.gz")
        try bytes.prefix(100_000).write(to: cut)
        assertError(cut, contains: [cut.path, "gzip"])
    }

    func testMalformedVocabularyJSONIsNamed() throws {
        let folder = try folder()
        let url = try TextFixtures.vocabularyURL()
        let lines = String(decoding: try Gzip.decompress(Data(contentsOf: url), file: url.path), as: UTF8.self)
            .split(separator: "\n", maxSplits: 48896).prefix(48895)
        try Data(lines.joined(separator: "\n").utf8).write(to: folder.appendingPathComponent("merges.txt"))
        let json = folder.appendingPathComponent("vocab.json")
        try Data("[1, 2]".utf8).write(to: json)
        assertError(folder, contains: [json.path, "JSON object"])
        try Data("{\"a\": 0, \"b\": 0}".utf8).write(to: json)
        assertError(folder, contains: [json.path, "not a free id"])
        try Data("{\"a\": 0, \"b\": 1}".utf8).write(to: json)
        assertError(folder, contains: [json.path, "2 tokens", "49408"])
        try Data("not json".utf8).write(to: json)
        assertError(folder, contains: [json.path, "invalid JSON"])
    }
}
