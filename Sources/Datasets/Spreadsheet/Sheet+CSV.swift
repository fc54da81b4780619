extension Sheet {
    /// The sheet as records: the first row with content is the header, every later row with content follows
    /// with its cells' `CellValue.text`, each `CSVRecord.line` holding the row's 1-based sheet row number.
    ///
    /// Rows are padded with empty fields to the header's width (its last non-empty column) and trailing empty
    /// cells past that width are dropped; a non-empty cell past the header is kept, so the row comes out longer
    /// than the header and a reader can report it. Rows with no text are skipped, as `CSV.records` skips blank lines.
    public func records() -> [CSVRecord] {
        var records: [CSVRecord] = []
        var width: Int?
        for row in rows {
            let fields = Sheet.fields(of: row, width: width ?? 0)
            guard !fields.isEmpty else { continue }
            if width == nil { width = fields.count }
            records.append(CSVRecord(line: row.number, fields: fields))
        }
        return records
    }

    /// The sheet as CSV text (RFC 4180, LF line ends) that `CSV.records` reads back as `records()`'s fields.
    ///
    /// Row n of the sheet is written as line n, rows without text as empty lines (which CSV readers skip),
    /// so an error a CSV reader reports at line n is about sheet row n — unless a cell above it holds a line
    /// break, which a quoted field carries over several lines; `SheetCSV.sheetRow(forLine:)` maps back in every case.
    public func csv() -> SheetCSV {
        var bytes: [UInt8] = []
        var rowOfLine: [Int] = []
        for record in records() {
            // An empty line for each row in between.
            while rowOfLine.count + 1 < record.line {
                bytes.append(UInt8(ascii: "\n"))
                rowOfLine.append(rowOfLine.count + 1)
            }
            let text = Sheet.csvLine(record.fields)
            bytes.append(contentsOf: text)
            for byte in text where byte == UInt8(ascii: "\n") { rowOfLine.append(record.line) }
        }
        return SheetCSV(bytes: bytes, rowOfLine: rowOfLine)
    }

    /// One record as RFC 4180 text ending in LF: a field is quoted, its quotes doubled, when it holds a comma,
    /// a quote, CR or LF. (Bytes are checked, not Characters, since `"\r\n"` is a single Character.)
    private static func csvLine(_ fields: [String]) -> [UInt8] {
        var line: [UInt8] = []
        for (index, field) in fields.enumerated() {
            if index > 0 { line.append(UInt8(ascii: ",")) }
            let bytes = Array(field.utf8)
            guard bytes.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }) else {
                line.append(contentsOf: bytes)
                continue
            }
            line.append(UInt8(ascii: "\""))
            for byte in bytes {
                if byte == UInt8(ascii: "\"") { line.append(byte) }
                line.append(byte)
            }
            line.append(UInt8(ascii: "\""))
        }
        line.append(0x0A)
        return line
    }

    /// A row's fields: texts by column, padded to `width`, trailing empty ones past `width` dropped; empty when the row has no text.
    private static func fields(of row: SheetRow, width: Int) -> [String] {
        guard let last = row.cells.last(where: { !$0.value.text.isEmpty }) else { return [] }
        var fields = [String](repeating: "", count: max(width, last.column))
        for cell in row.cells where cell.column <= fields.count {
            fields[cell.column - 1] = cell.value.text
        }
        return fields
    }
}

/// A sheet rendered as CSV text, with the way back from a CSV line to the sheet row it came from.
public struct SheetCSV: Sendable, Equatable {
    /// The UTF-8 CSV text: one line per sheet row, from row 1 to the last row with content.
    public let bytes: [UInt8]
    /// The sheet row of each line (index 0 is line 1).
    private let rowOfLine: [Int]

    init(bytes: [UInt8], rowOfLine: [Int]) {
        self.bytes = bytes
        self.rowOfLine = rowOfLine
    }

    /// The CSV as a string.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Whether line n is row n throughout (no cell holds a line break).
    public var linesAreRows: Bool { rowOfLine.last.map { $0 == rowOfLine.count } ?? true }

    /// The sheet row that 1-based CSV line `line` belongs to (every line of a multi-line record belongs to
    /// the record's row), or nil for a line outside the text.
    public func sheetRow(forLine line: Int) -> Int? {
        rowOfLine.indices.contains(line - 1) ? rowOfLine[line - 1] : nil
    }
}
