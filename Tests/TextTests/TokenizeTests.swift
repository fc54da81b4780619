import Foundation
import Text
import XCTest

/// `tokenize`'s rows: wrapping, padding, truncation, and the error for a text that does not fit.
final class TokenizeTests: XCTestCase {
    func testTooLongTextErrorNamesTheTextItsCountAndTheLimit() throws {
        let tokenizer = try TextFixtures.tokenizer()
        let text = "a photo of " + String(repeating: "a very ", count: 40) + "long caption about a sleeping animal"
        let count = tokenizer.encode(text).count + 2
        XCTAssertGreaterThan(count, 77)
        XCTAssertThrowsError(try tokenizer.tokenize(["Yawning", text])) { error in
            XCTAssertEqual(error as? CLIPTokenizerError, .textTooLong(text: text, tokenCount: count, contextLength: 77))
            let message = error.localizedDescription
            XCTAssertTrue(message.contains("a photo of a very a very"), message)
            XCTAssertTrue(message.contains("a sleeping animal"), "the end of the text is shown: \(message)")
            XCTAssertTrue(message.contains("…"), "a long text is abbreviated: \(message)")
            XCTAssertTrue(message.contains("\(count) tokens"), message)
            XCTAssertTrue(message.contains("context length 77"), message)
            XCTAssertLessThan(message.count, 260, message)
        }
        let short = "a " + String(repeating: "b ", count: 80)
        XCTAssertThrowsError(try tokenizer.tokenize([short], contextLength: 77)) { error in
            XCTAssertTrue(error.localizedDescription.contains("83 tokens"), error.localizedDescription)
        }
    }

    func testExactFitAndOneTooMany() throws {
        let tokenizer = try TextFixtures.tokenizer()
        let fits = String(repeating: "a ", count: 75)
        XCTAssertEqual(try tokenizer.tokenize([fits]), [[49406] + Array(repeating: 320, count: 75) + [49407]])
        let over = String(repeating: "a ", count: 76)
        XCTAssertThrowsError(try tokenizer.tokenize([over]))
        XCTAssertEqual(try tokenizer.tokenize([over], truncate: true), [[49406] + Array(repeating: 320, count: 75) + [49407]])
    }

    func testTruncationEndsWithEndOfTextAndShortRowsPad() throws {
        let tokenizer = try TextFixtures.tokenizer()
        let rows = try tokenizer.tokenize(["a photo of a monkey", "Yawning"], contextLength: 5, truncate: true)
        XCTAssertEqual(rows[0], [CLIPTokenizer.startOfText] + tokenizer.encode("a photo of") + [CLIPTokenizer.endOfText])
        XCTAssertEqual(rows[1], [49406, 31989, 762, 49407, 0])
        XCTAssertEqual(try tokenizer.tokenize(["Yawning"], contextLength: 6, padding: CLIPTokenizer.endOfText),
                       [[49406, 31989, 762, 49407, 49407, 49407]], "transformers' padding")
        XCTAssertEqual(try tokenizer.tokenize(["Yawning"], contextLength: 1, truncate: true), [[49407]])
        XCTAssertThrowsError(try tokenizer.tokenize(["Yawning"], contextLength: 0, truncate: true)) { error in
            XCTAssertEqual(error as? CLIPTokenizerError, .contextLengthTooSmall(0))
        }
        XCTAssertEqual(try tokenizer.tokenize([]), [])
        XCTAssertEqual(try tokenizer.tokenize([""]), [[49406, 49407] + Array(repeating: 0, count: 75)])
    }

    func testSpecialTokensWrittenInTextAreTheSpecialIds() throws {
        let tokenizer = try TextFixtures.tokenizer()
        XCTAssertEqual(tokenizer.encode("a <|endoftext|> b"), [320, 49407, 321])
        XCTAssertEqual(tokenizer.encode("<|STARTOFTEXT|>"), [49406], "lower-cased first")
    }

    func testDecodeRejectsIdsOutsideTheVocabulary() throws {
        let tokenizer = try TextFixtures.tokenizer()
        XCTAssertThrowsError(try tokenizer.decode([320, 49408])) { error in
            XCTAssertEqual(error as? CLIPTokenizerError, .unknownID(49408))
            XCTAssertTrue(error.localizedDescription.contains("49408"))
        }
        XCTAssertEqual(try tokenizer.decode(tokenizer.encode("Having a flehmen response")), "having a flehmen response ")
    }

    func testOneTokenizerIsSafeToShareBetweenThreads() throws {
        let tokenizer = try TextFixtures.tokenizer()
        let names = try TextFixtures.golden().encode.prefix(140)
        let failures = UnsafeMutableBufferPointer<Int>.allocate(capacity: 4)
        failures.initialize(repeating: 0)
        defer { failures.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for entry in names where tokenizer.encode(entry.text + " \(worker)") != entry.ids + tokenizer.encode("\(worker)") {
                failures[worker] += 1
            }
        }
        XCTAssertEqual(failures.reduce(0, +), 0)
    }
}
