import Foundation
import TestSupport
import Text
import XCTest

/// The checked-in golden file, the vocabulary `make bootstrap` unpacks, and one shared tokenizer.
enum TextFixtures {
    /// A missing input the tests need, with what to do about it.
    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let goldenURL = fixtures.appendingPathComponent("tokenizer_golden.json")
    static let script = fixtures.appendingPathComponent("make_tokenizer_golden.py")
    static let referencePython = TestSupport.repositoryRoot.appendingPathComponent("data/.venv-ref/bin/python")

    /// OpenAI's vocabulary (sha256 924691ac…804a), installed by `make bootstrap`.
    static func vocabularyURL() throws -> URL {
        let url = TestSupport.repositoryRoot.appendingPathComponent("data/samples/bpe_simple_vocab_16e6.txt.gz")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw Missing(description: "\(url.path) is missing: run `make bootstrap` (it unpacks CLIP's BPE vocabulary "
                          + "from the clip-anytorch wheel)")
        }
        return url
    }

    private static let shared = Result { try CLIPVocabularyLoader.load(contentsOf: vocabularyURL()) }

    /// The tokenizer for OpenAI's vocabulary, loaded once for all tests.
    static func tokenizer() throws -> CLIPTokenizer { try shared.get() }

    /// The golden file's sections.
    struct Golden: Decodable {
        struct Encoded: Decodable { var text: String; var clean: String; var ids: [Int32] }
        struct Row: Decodable {
            var text: String
            var context_length: Int
            var truncate: Bool
            var token_count: Int
            var ids: [Int32]?
        }
        struct Decoded: Decodable { var ids: [Int32]; var text: String }
        struct Reference: Decodable { var text: String; var ids: [Int32] }
        struct Difference: Decodable { var text: String; var clean: String; var ids: [Int32]; var why: String }

        var vocabulary_sha256: String
        var encode: [Encoded]
        var tokenize: [Row]
        var decode: [Decoded]
        var transformers: [Reference]
        var not_reproduced: [Difference]
    }

    static func golden(at url: URL = goldenURL) throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }
}
