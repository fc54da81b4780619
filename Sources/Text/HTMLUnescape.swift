/// The two HTML-unescaping steps of CLIP's text cleaning, over Unicode scalars.
///
/// OpenAI's tokenizer runs ftfy (which unescapes on its own terms, see `ftfy(_:)`) and then Python's
/// `html.unescape` twice (`python(_:)`). Named references are limited to `HTMLEntities`.
enum HTMLUnescape {
    /// Python's `html.unescape`: `&#NNN;` and `&#xHHH;` (the `;` optional), named references with `;`,
    /// and the 106 legacy names also without `;` and as the longest prefix of a longer name
    /// (`&notit;` → `¬it;`, `&ampx` → `&x`). Unknown names stay as written.
    static func python(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("&") else { return text }
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            guard text[index] == "&", let (replacement, end) = pythonReference(text, from: index + 1) else {
                output.append(text[index])
                index += 1
                continue
            }
            output.append(contentsOf: replacement)
            index = end
        }
        return output
    }

    /// ftfy's `unescape_html`: only `&name;` and `&#…;` with at most 24 ASCII letters or digits and the `;`;
    /// names as in HTML plus all-capital spellings of lower-case names (`&EACUTE;` → `É`); a numeric
    /// reference is kept as written when Python would not consume its `;` (`&#59;` stays, `&#39;` → `'`).
    static func ftfy(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard text.contains("&") else { return text }
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            guard text[index] == "&", let end = ftfyReferenceEnd(text, from: index + 1) else {
                output.append(text[index])
                index += 1
                continue
            }
            let reference = Array(text[index ..< end])
            output.append(contentsOf: ftfyReplacement(reference) ?? reference)
            index = end
        }
        return output
    }

    // MARK: Python's html.unescape

    /// The reference after an `&` at `start`: its replacement and where it ends, or nil when there is none
    /// (the `&` stays). Mirrors `&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)`.
    private static func pythonReference(_ text: [Unicode.Scalar], from start: Int) -> ([Unicode.Scalar], Int)? {
        guard start < text.count else { return nil }
        if text[start] == "#" {
            var index = start + 1
            var radix: UInt32 = 10
            if index < text.count, text[index] == "x" || text[index] == "X" {
                radix = 16
                index += 1
            }
            let digitsStart = index
            var value: UInt32 = 0
            while index < text.count, let digit = asciiDigit(text[index], radix: radix) {
                // Saturate: every value above U+10FFFF means the same (U+FFFD).
                value = min(value * radix + digit, 0x11_0000)
                index += 1
            }
            guard index > digitsStart else { return nil }
            if index < text.count, text[index] == ";" { index += 1 }
            return (numericCharacter(value), index)
        }
        var index = start
        while index < text.count, index - start < 32, !nameStops.contains(text[index]) { index += 1 }
        guard index > start else { return nil }
        var name = String(String.UnicodeScalarView(text[start ..< index]))
        let hasSemicolon = index < text.count && text[index] == ";"
        let end = hasSemicolon ? index + 1 : index
        if hasSemicolon, let character = HTMLEntities.characters[name] { return ([character], end) }
        if !hasSemicolon, HTMLEntities.isLegacy(name), let character = HTMLEntities.characters[name] {
            return ([character], end)
        }
        // The longest legacy name (two characters or more) that starts the reference; the rest stays.
        var nameScalars = Array(name.unicodeScalars)
        if hasSemicolon { nameScalars.append(";") }
        for length in stride(from: nameScalars.count - 1, through: 2, by: -1) {
            name = String(String.UnicodeScalarView(nameScalars[0 ..< length]))
            if HTMLEntities.isLegacy(name), let character = HTMLEntities.characters[name] {
                return ([character] + nameScalars[length...], end)
            }
        }
        return nil
    }

    /// Characters that end a reference name in Python's pattern.
    private static let nameStops: Set<Unicode.Scalar> = ["\t", "\n", "\u{0C}", " ", "<", "&", "#", ";"]

    /// What Python makes of `&#value;`: the windows-1252 reading of 0x80 … 0x9F, U+FFFD for 0, surrogates
    /// and values past U+10FFFF, nothing for other control characters and noncharacters.
    private static func numericCharacter(_ value: UInt32) -> [Unicode.Scalar] {
        switch value {
        case 0: return ["\u{FFFD}"]
        case 0x0D: return ["\r"]
        case 0x80 ... 0x9F: return Unicode.Scalar(HTMLEntities.windows1252C1[Int(value - 0x80)]).map { [$0] } ?? []
        case 0xD800 ... 0xDFFF, 0x11_0000...: return ["\u{FFFD}"]
        case 0x01 ... 0x08, 0x0B, 0x0E ... 0x1F, 0x7F, 0xFDD0 ... 0xFDEF: return []
        default:
            if value & 0xFFFE == 0xFFFE { return [] }  // U+FFFE, U+FFFF, U+1FFFE, … U+10FFFF
            return Unicode.Scalar(value).map { [$0] } ?? []
        }
    }

    private static func asciiDigit(_ scalar: Unicode.Scalar, radix: UInt32) -> UInt32? {
        switch scalar.value {
        case 0x30 ... 0x39: return scalar.value - 0x30
        case 0x41 ... 0x46 where radix == 16: return scalar.value - 0x41 + 10
        case 0x61 ... 0x66 where radix == 16: return scalar.value - 0x61 + 10
        default: return nil
        }
    }

    // MARK: ftfy's unescape_html

    /// The end (after `;`) of an ftfy reference `&#?[0-9A-Za-z]{1,24};` whose `&` is just before `start`.
    private static func ftfyReferenceEnd(_ text: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start
        if index < text.count, text[index] == "#" { index += 1 }
        let nameStart = index
        while index < text.count, text[index].isASCII, text[index].properties.isAlphabetic || asciiDigit(text[index], radix: 10) != nil {
            index += 1
        }
        let length = index - nameStart
        guard (1 ... 24).contains(length), index < text.count, text[index] == ";" else { return nil }
        return index + 1
    }

    /// ftfy's replacement for a whole reference `&…;`, or nil to keep it.
    private static func ftfyReplacement(_ reference: [Unicode.Scalar]) -> [Unicode.Scalar]? {
        if reference[1] == "#" {
            let unescaped = python(reference)
            return unescaped.contains(";") ? nil : unescaped
        }
        let name = String(String.UnicodeScalarView(reference[1 ..< reference.count - 1]))
        if let character = HTMLEntities.characters[name] { return [character] }
        return ftfyCapitalNames[name]
    }

    /// ftfy's extra names: the all-capital spelling of each lower-case name that Python would not decode,
    /// standing for the capital letter (`&NTILDE;` → `Ñ`, `&SZLIG;` → `SS`).
    private static let ftfyCapitalNames: [String: [Unicode.Scalar]] = {
        var table: [String: [Unicode.Scalar]] = [:]
        for (name, character) in HTMLEntities.characters where name == name.lowercased() {
            let capital = name.uppercased()
            let reference = Array("&\(capital);".unicodeScalars)
            guard python(reference) == reference else { continue }
            table[capital] = Array(String(character).uppercased().unicodeScalars)
        }
        return table
    }()
}
