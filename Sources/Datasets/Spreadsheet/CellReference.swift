/// A1-style cell references: `C17` is column 3 (C), row 17; columns run A…Z, AA…XFD.
public enum CellReference {
    /// The largest column a sheet can have (XFD).
    public static let maxColumn = 16_384
    /// The largest row a sheet can have.
    public static let maxRow = 1_048_576

    /// The 1-based row and column of a reference such as `C17` (letters in either case, no `$`), or nil.
    public static func parse(_ text: String) -> (row: Int, column: Int)? {
        var column = 0, row = 0, letters = 0, digits = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A") ... UInt8(ascii: "Z"), UInt8(ascii: "a") ... UInt8(ascii: "z"):
                guard digits == 0, letters < 3 else { return nil }
                column = column * 26 + Int((byte & 0xDF) - UInt8(ascii: "A")) + 1
                letters += 1
            case UInt8(ascii: "0") ... UInt8(ascii: "9"):
                guard letters > 0, digits < 7, !(digits == 0 && byte == UInt8(ascii: "0")) else { return nil }
                row = row * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            default:
                return nil
            }
        }
        guard digits > 0, column <= maxColumn, row <= maxRow else { return nil }
        return (row, column)
    }

    /// The letters of a 1-based column: 1 → `A`, 27 → `AA`.
    public static func columnName(_ column: Int) -> String {
        precondition(column >= 1, "columns are 1-based")
        var letters: [UInt8] = []
        var rest = column
        while rest > 0 {
            rest -= 1
            letters.append(UInt8(ascii: "A") + UInt8(rest % 26))
            rest /= 26
        }
        return String(decoding: letters.reversed(), as: UTF8.self)
    }

    /// The reference of a 1-based row and column: (17, 3) → `C17`.
    public static func name(row: Int, column: Int) -> String {
        columnName(column) + String(row)
    }
}
