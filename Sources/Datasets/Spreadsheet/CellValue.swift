/// What a cell holds, as the sheet's XML writes it.
///
/// Numbers keep the text they were written with (`17`, `3.5`, `1.0000000000000001E-3`), so integers stay
/// integers and nothing is lost to a round trip through `Double`. Dates are numbers (days since 1900) whose
/// meaning lives in the cell's style, which is not read.
public enum CellValue: Sendable, Equatable, Hashable {
    /// No value: a missing cell, or a formula never calculated (openpyxl writes formulas without results).
    case empty
    /// Text: a shared string (`t="s"`), an inline string (`t="inlineStr"`), a formula's text result
    /// (`t="str"`) or an ISO 8601 date cell (`t="d"`).
    case string(String)
    /// A number as written in `<v>` (`t="n"` or no type).
    case number(String)
    /// A boolean (`t="b"`).
    case boolean(Bool)
    /// An error value such as `#N/A` or `#DIV/0!` (`t="e"`).
    case error(String)

    /// The value as CSV text: strings as they are, booleans `TRUE`/`FALSE` as Excel exports them, errors by
    /// their code, and numbers as written except that a zero fraction is dropped (`1.0` → `1`), so a whole
    /// number stored as a float by some writers still reads as an integer.
    public var text: String {
        switch self {
        case .empty: return ""
        case let .string(text): return text
        case let .number(text): return CellValue.wholeNumberText(text) ?? text
        case let .boolean(value): return value ? "TRUE" : "FALSE"
        case let .error(code): return code
        }
    }

    /// A number cell's value as an integer when it is whole (`17`, `1.0`, `2E3`), else nil; nil for other kinds.
    public var integer: Int? {
        guard case let .number(text) = self else { return nil }
        if let value = Int(text) { return value }
        guard let value = Double(text), value == value.rounded(), abs(value) <= 9_007_199_254_740_992 else { return nil }
        return Int(value)
    }

    /// A number cell's value as a `Double`; nil for other kinds.
    public var double: Double? {
        guard case let .number(text) = self else { return nil }
        return Double(text)
    }

    /// Whether the value is `.empty`.
    public var isEmpty: Bool { self == .empty }

    /// `12` for `12.000`, `-3` for `-3.0`; nil when the text is not a decimal with an all-zero fraction.
    private static func wholeNumberText(_ text: String) -> String? {
        guard let point = text.firstIndex(of: ".") else { return nil }
        let whole = text[..<point], fraction = text[text.index(after: point)...]
        let digits = whole.first == "-" ? whole.dropFirst() : whole[...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), !fraction.isEmpty, fraction.allSatisfy({ $0 == "0" }) else {
            return nil
        }
        return String(whole)
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
