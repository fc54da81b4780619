/// CLIP's pre-tokenizer: the pieces that
/// `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`
/// finds (Python `regex`, `re.IGNORECASE`), written out by hand over Unicode scalars.
///
/// As `findall` does, each position tries the alternatives in order and takes the first that matches;
/// a position where none does (white space) is skipped. `\p{L}` is the general categories Lu Ll Lt Lm Lo,
/// `\p{N}` is Nd Nl No (one scalar per piece: "2nd" is "2", "nd"), `\s` is the White_Space property.
/// Case-insensitive matching only matters for the literal alternatives, and only through simple case
/// folding: the text is lower-cased before, but `ſ` (U+017F) still folds to `s` (`it'ſ` has the piece `'ſ`).
enum PreTokenizer {
    static let startOfText = Array("<|startoftext|>".unicodeScalars)
    static let endOfText = Array("<|endoftext|>".unicodeScalars)
    private static let contractions = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array($0.unicodeScalars) }

    /// The pieces of `text`, each as a range of scalar offsets.
    static func pieces(_ text: [Unicode.Scalar]) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        var index = 0
        while index < text.count {
            if let end = match(text, at: index) {
                pieces.append(index ..< end)
                index = end
            } else {
                index += 1
            }
        }
        return pieces
    }

    /// The end of the first alternative that matches at `start`, or nil.
    private static func match(_ text: [Unicode.Scalar], at start: Int) -> Int? {
        let scalar = text[start]
        if scalar == "<" {
            for special in [startOfText, endOfText] where matchesLiteral(special, in: text, at: start) {
                return start + special.count
            }
        }
        if scalar == "'" {
            for suffix in contractions where matchesLiteral(suffix, in: text, at: start + 1) {
                return start + 1 + suffix.count
            }
        }
        if isLetter(scalar) {
            var end = start + 1
            while end < text.count, isLetter(text[end]) { end += 1 }
            return end
        }
        if isNumber(scalar) { return start + 1 }
        if isSpace(scalar) { return nil }
        var end = start + 1
        while end < text.count, !isSpace(text[end]), !isLetter(text[end]), !isNumber(text[end]) { end += 1 }
        return end
    }

    /// Whether the ASCII `literal` occurs at `start`, comparing case-insensitively as `regex` does.
    private static func matchesLiteral(_ literal: [Unicode.Scalar], in text: [Unicode.Scalar], at start: Int) -> Bool {
        guard start + literal.count <= text.count else { return false }
        for (offset, expected) in literal.enumerated() where !foldedEqual(text[start + offset], expected) {
            return false
        }
        return true
    }

    /// Simple case folding against an ASCII character: its two cases, and `ſ`/`K` (Kelvin) for `s`/`k`.
    private static func foldedEqual(_ scalar: Unicode.Scalar, _ ascii: Unicode.Scalar) -> Bool {
        if scalar == ascii { return true }
        switch ascii {
        case "a" ... "z":
            if scalar.value == ascii.value - 0x20 { return true }
            return (ascii == "s" && scalar == "\u{017F}") || (ascii == "k" && scalar == "\u{212A}")
        default:
            return false
        }
    }

    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }
}
