import Foundation

/// Reads a CLIP vocabulary from disk and builds the tokenizer (the tokenizer itself only takes bytes).
///
/// Accepted: OpenAI's `bpe_simple_vocab_16e6.txt.gz` (or the unpacked `.txt`), or a folder holding
/// transformers' `vocab.json` and `merges.txt` (a Hugging Face CLIP / X-CLIP checkpoint folder) or the
/// OpenAI file. Errors name the file and what is wrong with it.
public enum CLIPVocabularyLoader {
    /// The OpenAI vocabulary's file name.
    public static let openAIFileName = "bpe_simple_vocab_16e6.txt.gz"

    /// The tokenizer for the vocabulary file or folder at `url`.
    public static func load(contentsOf url: URL) throws -> CLIPTokenizer {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw CLIPVocabularyError.notFound(path: url.path, detail: "no such file or folder (expected \(openAIFileName), "
                                               + "or a folder with vocab.json and merges.txt)")
        }
        guard isFolder.boolValue else {
            return try CLIPTokenizer(bpeVocabulary: read(url), source: url.path)
        }
        let json = url.appendingPathComponent("vocab.json"), merges = url.appendingPathComponent("merges.txt")
        let hasJSON = FileManager.default.fileExists(atPath: json.path)
        let hasMerges = FileManager.default.fileExists(atPath: merges.path)
        if hasJSON, hasMerges {
            return try CLIPTokenizer(vocabularyJSON: read(json), merges: read(merges), source: url.path)
        }
        for name in [openAIFileName, "bpe_simple_vocab_16e6.txt"] {
            let file = url.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: file.path) {
                return try CLIPTokenizer(bpeVocabulary: read(file), source: file.path)
            }
        }
        if hasJSON != hasMerges {
            let missing = hasJSON ? "merges.txt" : "vocab.json"
            throw CLIPVocabularyError.notFound(path: url.path, detail: "the folder has \(hasJSON ? "vocab.json" : "merges.txt") "
                                               + "but no \(missing); a CLIP tokenizer needs both")
        }
        throw CLIPVocabularyError.notFound(path: url.path, detail: "the folder has neither vocab.json + merges.txt "
                                           + "nor \(openAIFileName)")
    }

    private static func read(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw CLIPVocabularyError.unreadable(file: url.path, reason: error.localizedDescription)
        }
    }
}
