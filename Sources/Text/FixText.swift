import Foundation

/// The deterministic part of `ftfy.fix_text` (ftfy 6.3.1, default settings), which OpenAI's tokenizer runs first.
///
/// Reproduced, in ftfy's order and repeated until nothing changes: HTML unescaping (skipped from the first
/// line that contains `<` on, as ftfy's `unescape_html="auto"` does; see `HTMLUnescape.ftfy`), C1 controls
/// read as windows-1252 (`fix_c1_controls`), Latin ligatures split (`ﬁ` → `fi`), halfwidth and fullwidth
/// forms and U+3000 to their normal width (`Ｌ` → `L`), curly quotes straightened (`’` → `'`, `“` → `"`),
/// line breaks to `\n`, ANSI terminal escapes removed, stray control characters removed, and NFC.
///
/// Not reproduced: ftfy's mojibake repair (`fix_encoding` and the sub-steps `restore_byte_a0`,
/// `replace_lossy_sequences`, `decode_inconsistent_utf8`). It re-decodes text such as `Ã©` → `é` when a
/// badness heuristic says the text looks like UTF-8 read as latin-1/windows-1252; that heuristic is large
/// and never fires on ASCII or on correctly decoded UTF-8, which is what class names and prompts are, so
/// such text tokenizes exactly as OpenAI's. `fix_surrogates` has nothing to do in Swift (a `String`
/// cannot hold lone surrogates), and ftfy's 1,000,000-character segment limit is not applied.
enum FixText {
    static func apply(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(scalars.count)
        // ftfy fixes line by line (each segment ends after its "\n") and, once a segment contains "<",
        // stops unescaping HTML for that segment and every later one.
        var unescape = true
        var start = 0
        while start < scalars.count {
            var end = start
            while end < scalars.count, scalars[end] != "\n" { end += 1 }
            end = min(end + 1, scalars.count)
            let segment = Array(scalars[start ..< end])
            if segment.contains("<") { unescape = false }
            output.append(contentsOf: fixSegment(segment, unescapeHTML: unescape))
            start = end
        }
        return String(String.UnicodeScalarView(output))
    }

    private static func fixSegment(_ segment: [Unicode.Scalar], unescapeHTML: Bool) -> [Unicode.Scalar] {
        var text = segment
        while true {
            let original = text
            if unescapeHTML { text = HTMLUnescape.ftfy(text) }
            text = text.map(fixC1Control)
            text = text.flatMap(splitLigature)
            text = text.flatMap(normalWidth)
            text = text.map(uncurlQuote)
            text = unixLineBreaks(text)
            text = removeTerminalEscapes(text)
            text = text.filter { !isStrayControl($0) }
            text = Array(String(String.UnicodeScalarView(text)).precomposedStringWithCanonicalMapping.unicodeScalars)
            if text == original { return text }
        }
    }

    private static func fixC1Control(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        guard (0x80 ... 0x9F).contains(scalar.value) else { return scalar }
        return Unicode.Scalar(HTMLEntities.windows1252C1[Int(scalar.value - 0x80)]) ?? scalar
    }

    /// ftfy's `LIGATURES`: Latin typographic ligatures and the legacy digraphs (not `æ`, `œ`, which are letters).
    private static let ligatures: [Unicode.Scalar: String] = [
        "\u{0132}": "IJ", "\u{0133}": "ij", "\u{0149}": "\u{02BC}n", "\u{01F1}": "DZ", "\u{01F2}": "Dz",
        "\u{01F3}": "dz", "\u{01C4}": "D\u{017D}", "\u{01C5}": "D\u{017E}", "\u{01C6}": "d\u{017E}",
        "\u{01C7}": "LJ", "\u{01C8}": "Lj", "\u{01C9}": "lj", "\u{01CA}": "NJ", "\u{01CB}": "Nj",
        "\u{01CC}": "nj", "\u{FB00}": "ff", "\u{FB01}": "fi", "\u{FB02}": "fl", "\u{FB03}": "ffi",
        "\u{FB04}": "ffl", "\u{FB05}": "\u{017F}t", "\u{FB06}": "st",
    ]

    private static func splitLigature(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        guard let replacement = ligatures[scalar] else { return [scalar] }
        return Array(replacement.unicodeScalars)
    }

    /// ftfy's `WIDTH_MAP`: U+3000 to a space, and U+FF01 … U+FFEF to their NFKC form where it differs.
    private static func normalWidth(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        if scalar == "\u{3000}" { return [" "] }
        guard (0xFF01 ... 0xFFEF).contains(scalar.value) else { return [scalar] }
        return Array(String(scalar).precomposedStringWithCompatibilityMapping.unicodeScalars)
    }

    private static func uncurlQuote(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0x02BC, 0x2018 ... 0x201B: return "'"
        case 0x201C ... 0x201F: return "\""
        default: return scalar
        }
    }

    /// CR LF, CR, U+2028, U+2029 and U+0085 each become "\n".
    private static func unixLineBreaks(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            let scalar = text[index]
            index += 1
            switch scalar {
            case "\r":
                if index < text.count, text[index] == "\n" { index += 1 }
                output.append("\n")
            case "\u{2028}", "\u{2029}", "\u{85}":
                output.append("\n")
            default:
                output.append(scalar)
            }
        }
        return output
    }

    /// Removes `ESC [ (digits | ;)* letter` (ftfy's `\033\[((?:\d|;)*)([a-zA-Z])`; `\d` is any decimal digit).
    private static func removeTerminalEscapes(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("\u{1B}") else { return text }
        var output: [Unicode.Scalar] = []
        var index = 0
        while index < text.count {
            if text[index] == "\u{1B}", index + 1 < text.count, text[index + 1] == "[" {
                var end = index + 2
                while end < text.count, text[end] == ";" || text[end].properties.generalCategory == .decimalNumber {
                    end += 1
                }
                if end < text.count, text[end].isASCII, text[end].properties.isAlphabetic {
                    index = end + 1
                    continue
                }
            }
            output.append(text[index])
            index += 1
        }
        return output
    }

    /// ftfy's `remove_control_chars`: C0 controls other than tab, LF, FF and CR, DEL, the deprecated
    /// format characters U+206A … U+206F, the byte order mark and U+FFF9 … U+FFFC.
    private static func isStrayControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00 ... 0x08, 0x0B, 0x0E ... 0x1F, 0x7F, 0x206A ... 0x206F, 0xFEFF, 0xFFF9 ... 0xFFFC: return true
        default: return false
        }
    }
}
