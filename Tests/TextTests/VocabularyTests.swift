import Core
import Foundation
import TestSupport
import Text
import XCTest

/// The vocabulary's layout (XCLIP.md's facts) and the transformers route to it.
final class VocabularyTests: XCTestCase {
    func testLayoutBytesThenWordEndsThenMergesThenSpecials() throws {
        let tokenizer = try TextFixtures.tokenizer()
        XCTAssertEqual(CLIPTokenizer.vocabularySize, 49408)
        XCTAssertNotNil(tokenizer.token(49407))
        XCTAssertNil(tokenizer.token(49408))
        XCTAssertNil(tokenizer.token(-1))
        XCTAssertEqual(tokenizer.token(CLIPTokenizer.startOfText), "<|startoftext|>")
        XCTAssertEqual(tokenizer.token(CLIPTokenizer.endOfText), "<|endoftext|>")
        // Bytes 33–126, 161–172, 174–255 stand for themselves, in that order; then the 68 others from U+0100.
        let printable = Array(33 ... 126) + Array(161 ... 172) + Array(174 ... 255)
        for (id, byte) in printable.enumerated() {
            XCTAssertEqual(tokenizer.token(Int32(id)), String(UnicodeScalar(UInt8(byte))), "id \(id)")
        }
        XCTAssertEqual(tokenizer.token(188), "\u{0100}", "byte 0")
        XCTAssertEqual(tokenizer.token(220), "\u{0120}", "byte 32, the space")
        XCTAssertEqual(tokenizer.token(221), "\u{0121}", "byte 127")
        XCTAssertEqual(tokenizer.token(255), "\u{0143}", "byte 173, the soft hyphen")
        XCTAssertEqual(try tokenizer.decode([188, 220, 221, 255]), String(decoding: [0, 32, 127] as [UInt8], as: UTF8.self) + "\u{FFFD}")
        for id in Int32(0) ..< 256 {
            XCTAssertEqual(tokenizer.token(id + 256), tokenizer.token(id).map { $0 + "</w>" }, "id \(id + 256)")
        }
    }

    func testMergesAreLinesOneTo48894OfTheFile() throws {
        let tokenizer = try TextFixtures.tokenizer()
        let url = try TextFixtures.vocabularyURL()
        let text = String(decoding: try Gzip.decompress(Data(contentsOf: url), file: url.path), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 262_146, "the file has many more merges than CLIP uses")
        XCTAssertTrue(lines[0].hasPrefix("\"bpe_simple_vocab_16e6.txt#version"), "line 0 is a header")
        XCTAssertEqual(CLIPTokenizer.mergeCount, 48894)
        for number in 1 ... 48894 {
            let merged = lines[number].split(separator: " ").joined()
            XCTAssertEqual(tokenizer.token(Int32(511 + number)), merged, "line \(number)")
            if tokenizer.token(Int32(511 + number)) != merged { break }
        }
        XCTAssertEqual(tokenizer.token(512), "in")
        XCTAssertEqual(tokenizer.token(49405), "jekyll</w>")
        XCTAssertNil(tokenizer.id(ofToken: lines[48895].split(separator: " ").joined()), "line 48,895 is not used")
    }

    func testTransformersFilesGiveTheSameTokenizer() throws {
        let openAI = try TextFixtures.tokenizer()
        // vocab.json as a JSON object token → id, merges.txt with its #version line, as Hugging Face ships them.
        var table: [String: Int] = [:]
        for id in 0 ..< Int32(CLIPTokenizer.vocabularySize) { table[try XCTUnwrap(openAI.token(id))] = Int(id) }
        let json = try JSONSerialization.data(withJSONObject: table, options: [.sortedKeys])
        let url = try TextFixtures.vocabularyURL()
        let lines = String(decoding: try Gzip.decompress(Data(contentsOf: url), file: url.path), as: UTF8.self)
            .split(separator: "\n", maxSplits: 48896).prefix(48895).dropFirst()
        let merges = Data(("#version: 0.2\n" + lines.joined(separator: "\n") + "\n").utf8)
        let folder = try TestSupport.temporaryFolder("vimo-text")
        defer { try? FileManager.default.removeItem(at: folder) }
        try json.write(to: folder.appendingPathComponent("vocab.json"))
        try merges.write(to: folder.appendingPathComponent("merges.txt"))

        let transformers = try CLIPVocabularyLoader.load(contentsOf: folder)
        for id in Int32(0) ..< 49408 where transformers.token(id) != openAI.token(id) {
            return XCTFail("id \(id) is \(transformers.token(id) ?? "nil") from vocab.json, \(openAI.token(id) ?? "nil") from the .gz")
        }
        for entry in try TextFixtures.golden().encode {
            XCTAssertEqual(transformers.encode(entry.text), entry.ids, entry.text.debugDescription)
        }
    }

    func testUnpackedTextFileLoadsLikeTheGzip() throws {
        let url = try TextFixtures.vocabularyURL()
        let text = try Gzip.decompress(Data(contentsOf: url), file: url.path)
        let tokenizer = try CLIPTokenizer(bpeVocabulary: text, source: "bpe_simple_vocab_16e6.txt")
        XCTAssertEqual(tokenizer.encode("Having a flehmen response"), [1977, 320, 2428, 71, 1656, 5399])
    }
}
