/// OpenAI's text cleaning before pre-tokenization:
/// `whitespace_clean(basic_clean(text)).lower()`, that is ftfy's fixes (`FixText`), `html.unescape` twice,
/// strip, runs of white space to one space, strip, lower-case.
enum TextCleaning {
    static func clean(_ text: String) -> [Unicode.Scalar] {
        var scalars = Array(FixText.apply(text).unicodeScalars)
        scalars = HTMLUnescape.python(HTMLUnescape.python(scalars))
        scalars = strip(scalars)
        scalars = collapseWhiteSpace(scalars)
        return lowercase(strip(scalars))
    }

    /// Python's `str.isspace()`: the White_Space property plus the separators U+001C … U+001F.
    static func isPythonSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C ... 0x1F).contains(scalar.value)
    }

    /// Python's `str.strip()`.
    static func strip(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard let first = text.firstIndex(where: { !isPythonSpace($0) }),
              let last = text.lastIndex(where: { !isPythonSpace($0) }) else { return [] }
        return Array(text[first ... last])
    }

    /// `regex.sub(r'\s+', ' ', text)`, where `regex`'s `\s` is the White_Space property.
    static func collapseWhiteSpace(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        var inSpace = false
        for scalar in text {
            if scalar.properties.isWhitespace {
                if !inSpace { output.append(" ") }
                inSpace = true
            } else {
                output.append(scalar)
                inSpace = false
            }
        }
        return output
    }

    /// Python's `str.lower()`: each scalar's full lower-case mapping (`İ` → `i̇`), and capital sigma as
    /// final `ς` where it ends a word (cased letter before it, none after, case-ignorable ones skipped).
    static func lowercase(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        for (index, scalar) in text.enumerated() {
            if scalar.isASCII {
                output.append(("A" ... "Z").contains(scalar) ? Unicode.Scalar(scalar.value + 0x20) ?? scalar : scalar)
            } else if scalar == "\u{03A3}" {
                output.append(isFinalSigma(text, at: index) ? "\u{03C2}" : "\u{03C3}")
            } else if Self.isKnownToReference(scalar) {
                output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                output.append(scalar)
            }
        }
        return output
    }

    /// Whether the scalar was assigned by Unicode 14.0, the version of the reference's Python 3.11: its
    /// `str.lower()` leaves later letters (Unicode 15 and 16 added 55 with a lower case that Swift knows) alone.
    private static func isKnownToReference(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major < 14 || (age.major == 14 && age.minor == 0)
    }

    /// Unicode's Final_Sigma condition, as CPython tests it.
    private static func isFinalSigma(_ text: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0, text[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, text[before].properties.isCased else { return false }
        var after = index + 1
        while after < text.count, text[after].properties.isCaseIgnorable { after += 1 }
        return after == text.count || !text[after].properties.isCased
    }
}
