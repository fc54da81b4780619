import Core
import Foundation

/// Why a CLIP vocabulary could not be built; every case names the file (or what the bytes are).
public enum CLIPVocabularyError: Error, LocalizedError, Equatable, Sendable {
    /// The file or folder does not exist, or a folder holds none of the expected files.
    case notFound(path: String, detail: String)
    /// The file exists but could not be read.
    case unreadable(file: String, reason: String)
    /// The contents are not a CLIP vocabulary.
    case malformed(file: String, reason: String)

    /// A sentence naming the file and what is wrong with it.
    public var errorDescription: String? {
        switch self {
        case let .notFound(path, detail): return "\(path): \(detail)"
        case let .unreadable(file, reason): return "\(file): cannot be read: \(reason)"
        case let .malformed(file, reason): return "\(file): not a CLIP BPE vocabulary: \(reason)"
        }
    }
}

/// The tables byte-level BPE runs on: every token's text, and the merges as pairs of ids.
struct CLIPVocabulary {
    /// The text of each id: byte stand-ins (`ByteAlphabet`), a final one with `</w>`, or a special token.
    let tokens: [String]
    /// The id of each token text.
    let ids: [String: Int32]
    /// The rank (merge line order, 0 = applied first) of each mergeable pair of ids, keyed by `pairKey`.
    let ranks: [UInt64: Int32]
    /// The id of the token each rank's merge makes.
    let merged: [Int32]
    /// The id of each byte's stand-in as a word's inner symbol, and as its last one (with `</w>`).
    let inner: [Int32], last: [Int32]

    static func pairKey(_ first: Int32, _ second: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: first)) << 32 | UInt64(UInt32(bitPattern: second))
    }

    /// From OpenAI's `bpe_simple_vocab_16e6.txt` (gzipped or not): ids are the 256 byte stand-ins, the same
    /// with `</w>`, the first 48,894 merges (lines 1 … 48,894; the file has 262,144 but CLIP uses these),
    /// then `<|startoftext|>` and `<|endoftext|>`.
    init(bpe data: Data, source: String) throws {
        let bytes = Gzip.isGzip(data) ? try Gzip.decompress(data, file: source) : data
        let merges = try Self.mergeLines(bytes, source: source, dropsOuterWhiteSpace: false)
        var tokens = ByteAlphabet.bytes.map { ByteAlphabet.string(of: [$0]) }
        tokens += tokens.map { $0 + "</w>" }
        tokens += merges.map { $0.0 + $0.1 }
        tokens += ["<|startoftext|>", "<|endoftext|>"]
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        // Python's dict(zip(vocab, range(...))): a repeated text keeps its last id.
        for (id, token) in tokens.enumerated() { ids[token] = Int32(id) }
        try self.init(tokens: tokens, ids: ids, merges: merges, source: source)
    }

    /// From transformers' `vocab.json` (token → id) and `merges.txt` (a `#version` line, then merges).
    init(vocabularyJSON: Data, merges mergesData: Data, source: String) throws {
        let jsonSource = source + "/vocab.json", mergesSource = source + "/merges.txt"
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: vocabularyJSON)
        } catch {
            throw CLIPVocabularyError.malformed(file: jsonSource, reason: "invalid JSON (\(error.localizedDescription))")
        }
        guard let table = object as? [String: Any] else {
            throw CLIPVocabularyError.malformed(file: jsonSource, reason: "not a JSON object of token → id")
        }
        var tokens = [String?](repeating: nil, count: table.count)
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(table.count)
        for (token, value) in table {
            guard let number = value as? NSNumber, let id = Int(exactly: number.doubleValue),
                  tokens.indices.contains(id), tokens[id] == nil else {
                throw CLIPVocabularyError.malformed(file: jsonSource, reason: "token \(token.debugDescription) has id "
                                                    + "\(value), not a free id in 0 ..< \(table.count)")
            }
            tokens[id] = token
            ids[token] = Int32(id)
        }
        // transformers reads merges.txt as `read().strip().split("\n")[1:48895]`.
        let merges = try Self.mergeLines(mergesData, source: mergesSource, dropsOuterWhiteSpace: true)
        try self.init(tokens: tokens.compactMap { $0 }, ids: ids, merges: merges, source: jsonSource)
    }

    private init(tokens: [String], ids: [String: Int32], merges: [(String, String)], source: String) throws {
        guard tokens.count == CLIPTokenizer.vocabularySize else {
            throw CLIPVocabularyError.malformed(file: source, reason: "\(tokens.count) tokens, CLIP has \(CLIPTokenizer.vocabularySize)")
        }
        for (name, expected) in [("<|startoftext|>", CLIPTokenizer.startOfText), ("<|endoftext|>", CLIPTokenizer.endOfText)]
            where ids[name] != expected {
            throw CLIPVocabularyError.malformed(file: source, reason: "\(name) has id \(ids[name].map(String.init) ?? "none"), "
                                                + "CLIP's is \(expected)")
        }
        func id(_ token: String, _ what: String) throws -> Int32 {
            guard let id = ids[token] else {
                throw CLIPVocabularyError.malformed(file: source, reason: "\(what) \(token.debugDescription) is not in the vocabulary")
            }
            return id
        }
        var inner: [Int32] = [], last: [Int32] = []
        for byte in 0 ... 255 {
            let character = ByteAlphabet.string(of: [UInt8(byte)])
            inner.append(try id(character, "the byte token"))
            last.append(try id(character + "</w>", "the byte token"))
        }
        var ranks: [UInt64: Int32] = [:]
        ranks.reserveCapacity(merges.count)
        var merged: [Int32] = []
        merged.reserveCapacity(merges.count)
        for (rank, (first, second)) in merges.enumerated() {
            // Python's dict(zip(merges, range(...))): a repeated pair keeps its last rank.
            ranks[Self.pairKey(try id(first, "merge part"), try id(second, "merge part"))] = Int32(rank)
            merged.append(try id(first + second, "merged token"))
        }
        self.tokens = tokens
        self.ids = ids
        self.ranks = ranks
        self.merged = merged
        self.inner = inner
        self.last = last
    }

    /// Lines 1 … 48,894 (line 0 is a header) as pairs split on white space, as Python's `str.split()` does.
    private static func mergeLines(_ data: Data, source: String, dropsOuterWhiteSpace: Bool) throws -> [(String, String)] {
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIPVocabularyError.malformed(file: source, reason: "not UTF-8 text")
        }
        var utf8 = Substring(text).utf8
        if dropsOuterWhiteSpace {
            // str.strip(): leading white space would shift the lines; trailing white space only ends them.
            utf8 = utf8.drop(while: Self.isASCIISpace)
        }
        let count = CLIPTokenizer.mergeCount
        // Only the lines CLIP uses are split off; the rest (most of the file) stays one piece.
        let lines = utf8.split(separator: UInt8(ascii: "\n"), maxSplits: count + 1, omittingEmptySubsequences: false)
        guard lines.count > count else {
            throw CLIPVocabularyError.malformed(file: source, reason: "\(max(lines.count - 1, 0)) merge lines after the "
                                                + "header; CLIP uses the first \(count)")
        }
        var merges: [(String, String)] = []
        merges.reserveCapacity(count)
        for number in 1 ... count {
            let parts = String(decoding: lines[number], as: UTF8.self).unicodeScalars
                .split(whereSeparator: TextCleaning.isPythonSpace)
            guard parts.count == 2 else {
                throw CLIPVocabularyError.malformed(file: source, reason: "line \(number + 1) is not two tokens "
                                                    + "separated by a space: \(String(decoding: lines[number], as: UTF8.self).debugDescription)")
            }
            merges.append((String(String.UnicodeScalarView(parts[0])), String(String.UnicodeScalarView(parts[1]))))
        }
        return merges
    }

    private static func isASCIISpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09 ... 0x0D).contains(byte) }
}
