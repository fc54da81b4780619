import Foundation
import Text
import XCTest

/// Loading the vocabulary and tokenizing the class names stay cheap (figures print for the record; the
/// bounds are loose because the test machine is shared).
final class PerformanceTests: XCTestCase {
    func testLoadAndTokenizeAllClassNames() throws {
        let bytes = try Data(contentsOf: TextFixtures.vocabularyURL())
        let loadStart = Date()
        let tokenizer = try CLIPTokenizer(bpeVocabulary: bytes)
        let load = Date().timeIntervalSince(loadStart)
        let names = try TextFixtures.golden().encode.prefix(140).map(\.text)
        let coldStart = Date()
        let rows = try tokenizer.tokenize(names)
        let cold = Date().timeIntervalSince(coldStart)
        let warmStart = Date()
        _ = try tokenizer.tokenize(names)
        let warm = Date().timeIntervalSince(warmStart)
        XCTAssertEqual(rows.count, 140)
        print(String(format: "CLIP tokenizer: vocabulary %.0f ms (inflate + 48,894 merges), 140 names %.1f ms cold, %.1f ms cached",
                     load * 1000, cold * 1000, warm * 1000))
        XCTAssertLessThan(load, 5, "loading the vocabulary")
        XCTAssertLessThan(cold, 0.5, "tokenizing 140 class names")
    }
}
