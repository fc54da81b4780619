import Foundation

/// Why texts could not be tokenized or ids decoded.
public enum CLIPTokenizerError: Error, LocalizedError, Equatable, Sendable {
    /// A text needs more tokens (with start and end of text) than the context holds.
    case textTooLong(text: String, tokenCount: Int, contextLength: Int)
    /// The context cannot hold even the end-of-text token.
    case contextLengthTooSmall(Int)
    /// An id outside the vocabulary.
    case unknownID(Int32)

    /// A sentence naming the text (abbreviated when long) and the counts.
    public var errorDescription: String? {
        switch self {
        case let .textTooLong(text, tokenCount, contextLength):
            return "the text \(Self.abbreviated(text).debugDescription) is \(tokenCount) tokens with <|startoftext|> "
                + "and <|endoftext|>, more than the context length \(contextLength); shorten it or tokenize with truncate: true"
        case let .contextLengthTooSmall(length):
            return "context length \(length) cannot hold any token; it must be at least 1"
        case let .unknownID(id):
            return "token id \(id) is not in CLIP's vocabulary (0 ..< \(CLIPTokenizer.vocabularySize))"
        }
    }

    /// The first 60 and last 20 characters of a long text.
    static func abbreviated(_ text: String) -> String {
        guard text.count > 90 else { return text }
        return "\(text.prefix(60))…\(text.suffix(20))"
    }
}

/// CLIP's byte-level BPE tokenizer, id for id the same as OpenAI's `clip/simple_tokenizer.py` and `clip.tokenize`.
///
/// A text is cleaned (`clean(_:)`: ftfy's fixes, HTML unescaping twice, white space collapsed, stripped,
/// lower-cased), split into pieces (letters runs, single digits, punctuation runs, `'s`-style contractions,
/// the two special tokens written out), each piece's UTF-8 bytes become byte tokens with `</w>` on the last,
/// and adjacent tokens merge, lowest merge rank first, until no rank applies.
///
/// What is knowingly not the same as OpenAI's: ftfy's mojibake repair (see `FixText`), the HTML5 named
/// references outside `HTMLEntities`, and characters newer than Swift's Unicode tables: `\p{L}` and `\p{N}`
/// come from the standard library (Unicode 16 in Swift 6.3), while Python's `regex` 2026 knows about 12,800
/// more recently assigned letters and numbers. Lower-casing follows the reference's Python 3.11 (Unicode 14).
///
/// The vocabulary comes in as bytes (`CLIPVocabularyLoader` reads files). Encoded pieces are cached, so
/// one tokenizer is cheapest when reused; it is safe to share between threads.
public final class CLIPTokenizer: @unchecked Sendable {
    /// The id of `<|startoftext|>`.
    public static let startOfText: Int32 = 49406
    /// The id of `<|endoftext|>`.
    public static let endOfText: Int32 = 49407
    /// How many ids CLIP's vocabulary has.
    public static let vocabularySize = 49408
    /// How many merges CLIP uses.
    public static let mergeCount = 48894
    /// The context length of every CLIP text encoder.
    public static let contextLength = 77

    private let vocabulary: CLIPVocabulary
    private let lock = NSLock()
    private var cache: [[UInt8]: [Int32]] = [:]
    private static let cacheLimit = 100_000

    /// A tokenizer from OpenAI's `bpe_simple_vocab_16e6.txt.gz` (gzipped or already unpacked); `source`
    /// names the bytes in errors.
    public init(bpeVocabulary data: Data, source: String = "bpe_simple_vocab_16e6.txt.gz") throws {
        vocabulary = try CLIPVocabulary(bpe: data, source: source)
    }

    /// A tokenizer from the `vocab.json` and `merges.txt` of a Hugging Face CLIP or X-CLIP folder; `source`
    /// names the folder in errors. It gives the same ids as the OpenAI file.
    public init(vocabularyJSON: Data, merges: Data, source: String = "tokenizer folder") throws {
        vocabulary = try CLIPVocabulary(vocabularyJSON: vocabularyJSON, merges: merges, source: source)
    }

    /// The text of a token id (byte stand-ins, `</w>` ending a word), or nil outside the vocabulary.
    public func token(_ id: Int32) -> String? {
        vocabulary.tokens.indices.contains(Int(id)) ? vocabulary.tokens[Int(id)] : nil
    }

    /// The id of a token's text, or nil when the vocabulary has no such token.
    public func id(ofToken token: String) -> Int32? { vocabulary.ids[token] }

    /// The text as OpenAI's tokenizer sees it before splitting it into pieces.
    public static func clean(_ text: String) -> String {
        String(String.UnicodeScalarView(TextCleaning.clean(text)))
    }

    /// The ids of `text`, without start and end of text (OpenAI's `SimpleTokenizer.encode`).
    public func encode(_ text: String) -> [Int32] {
        let cleaned = TextCleaning.clean(text)
        var ids: [Int32] = []
        for range in PreTokenizer.pieces(cleaned) {
            let piece = cleaned[range]
            if piece.elementsEqual(PreTokenizer.startOfText) {
                ids.append(Self.startOfText)
            } else if piece.elementsEqual(PreTokenizer.endOfText) {
                ids.append(Self.endOfText)
            } else {
                ids.append(contentsOf: encodePiece(Array(String(String.UnicodeScalarView(piece)).utf8)))
            }
        }
        return ids
    }

    /// Each text as `[startOfText] + encode(text) + [endOfText]`, padded with `padding` to `contextLength`
    /// (as `clip.tokenize`; OpenAI pads with 0, transformers with `endOfText`, and both give the same
    /// embeddings: the causal mask hides what follows, and pooling takes the first `endOfText`).
    ///
    /// A text with more tokens than `contextLength` throws `CLIPTokenizerError.textTooLong`, or with
    /// `truncate` keeps the first `contextLength` tokens and makes the last one `endOfText`.
    public func tokenize(_ texts: [String], contextLength: Int = CLIPTokenizer.contextLength, truncate: Bool = false,
                         padding: Int32 = 0) throws -> [[Int32]] {
        guard contextLength >= 1 else { throw CLIPTokenizerError.contextLengthTooSmall(contextLength) }
        return try texts.map { text in
            var ids = [Self.startOfText] + encode(text) + [Self.endOfText]
            if ids.count > contextLength {
                guard truncate else {
                    throw CLIPTokenizerError.textTooLong(text: text, tokenCount: ids.count, contextLength: contextLength)
                }
                ids.removeLast(ids.count - contextLength)
                ids[contextLength - 1] = Self.endOfText
            }
            return ids + [Int32](repeating: padding, count: contextLength - ids.count)
        }
    }

    /// The text of some ids as OpenAI's `decode` gives it: the tokens' bytes as UTF-8 (invalid sequences
    /// become U+FFFD), each `</w>` a space. Padding zeros decode as `!`, as in Python.
    public func decode(_ ids: [Int32]) throws -> String {
        var bytes: [UInt8] = []
        for id in ids {
            guard let token = token(id) else { throw CLIPTokenizerError.unknownID(id) }
            for scalar in token.unicodeScalars {
                guard let byte = ByteAlphabet.byteOfCharacter[scalar] else { throw CLIPTokenizerError.unknownID(id) }
                bytes.append(byte)
            }
        }
        // Python replaces "</w>" after decoding, code point by code point. Doing it on the bytes is the same
        // (ASCII bytes decode as themselves, even next to invalid sequences) and, unlike String's
        // replacement, does not miss a "</w>" whose ">" a combining mark follows.
        return String(decoding: Self.replacingWordEnds(bytes), as: UTF8.self)
    }

    private static let wordEnd = Array("</w>".utf8)

    private static func replacingWordEnds(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == wordEnd[0], bytes[index...].starts(with: wordEnd) {
                output.append(UInt8(ascii: " "))
                index += wordEnd.count
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return output
    }

    // MARK: BPE

    private func encodePiece(_ bytes: [UInt8]) -> [Int32] {
        lock.lock()
        let cached = cache[bytes]
        lock.unlock()
        if let cached { return cached }
        let ids = merge(bytes)
        lock.lock()
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[bytes] = ids
        lock.unlock()
        return ids
    }

    /// Byte-level BPE of one piece: repeatedly merge every occurrence (left to right) of the adjacent pair
    /// with the lowest rank.
    private func merge(_ bytes: [UInt8]) -> [Int32] {
        guard let lastByte = bytes.last else { return [] }
        var word = bytes.dropLast().map { vocabulary.inner[Int($0)] } + [vocabulary.last[Int(lastByte)]]
        while word.count > 1 {
            var best = Int32.max, first: Int32 = 0, second: Int32 = 0
            for index in 0 ..< word.count - 1 {
                if let rank = vocabulary.ranks[CLIPVocabulary.pairKey(word[index], word[index + 1])], rank < best {
                    (best, first, second) = (rank, word[index], word[index + 1])
                }
            }
            guard best != .max else { break }
            let result = vocabulary.merged[Int(best)]
            var next: [Int32] = []
            next.reserveCapacity(word.count)
            var index = 0
            while index < word.count {
                if index + 1 < word.count, word[index] == first, word[index + 1] == second {
                    next.append(result)
                    index += 2
                } else {
                    next.append(word[index])
                    index += 1
                }
            }
            word = next
        }
        return word
    }
}
