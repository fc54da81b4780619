/// Reads a worksheet part's `sheetData` into rows of cells, resolving shared strings.
///
/// A row without `r` follows the previous row and a cell without `r` the previous cell; rows and cells must
/// come in ascending order, as the format requires, so a repeated or backward reference is an error.
final class WorksheetReader: XMLPartHandler {
    private let file: String
    private let sheet: String
    private let sharedStrings: [String]

    private(set) var rows: [SheetRow] = []
    private var inSheetData = false
    private var rowNumber = 0
    private var rowCells: [Cell] = []
    private var inRow = false

    // The cell being read.
    private var inCell = false
    private var cellRow = 0
    private var cellColumn = 0
    private var cellType = "n"
    private var valueText: String?
    private var formulaText: String?
    private var inlineText: StringItemText?
    private var inInline = false
    private var capture: Capture = .none

    private enum Capture { case none, value, formula }

    init(file: String, sheet: String, sharedStrings: [String]) {
        self.file = file
        self.sheet = sheet
        self.sharedStrings = sharedStrings
    }

    private func badCell(_ cell: String, _ reason: String) -> SpreadsheetError {
        .badCell(file: file, sheet: sheet, cell: cell, reason: reason)
    }

    func start(_ element: String, attributes: [String: String]) throws {
        if element == "sheetData" { inSheetData = true; return }
        guard inSheetData else { return }
        if inInline { inlineText?.start(element); return }
        switch element {
        case "row":
            var number = rowNumber + 1
            if let text = attributes["r"] {
                guard let value = Int(text), value >= 1, value <= CellReference.maxRow else {
                    throw badCell("\(number):\(number)", "row number '\(text)' is not between 1 and \(CellReference.maxRow)")
                }
                number = value
            }
            guard number > rowNumber else {
                throw badCell("\(number):\(number)", "row \(number) comes after row \(rowNumber); rows must be in ascending order")
            }
            rowNumber = number
            rowCells = []
            inRow = true
            cellColumn = 0
        case "c":
            guard inRow else { throw badCell("\(rowNumber + 1):\(rowNumber + 1)", "cell outside a <row>") }
            var column = cellColumn + 1
            if let text = attributes["r"] {
                guard let (row, parsedColumn) = CellReference.parse(text) else {
                    throw badCell(text, "'\(text)' is not a cell reference")
                }
                guard row == rowNumber else { throw badCell(text, "cell \(text) is inside row \(rowNumber)") }
                column = parsedColumn
            }
            let reference = CellReference.name(row: rowNumber, column: min(column, CellReference.maxColumn))
            guard column <= CellReference.maxColumn else {
                throw badCell(reference, "column \(column) is past the last column (XFD)")
            }
            if cellColumn > 0, column <= cellColumn {
                let previous = CellReference.name(row: rowNumber, column: cellColumn)
                throw badCell(reference, "cell \(reference) comes after \(previous); cells must be in ascending column order")
            }
            inCell = true
            cellRow = rowNumber
            cellColumn = column
            cellType = attributes["t"] ?? "n"
            valueText = nil
            formulaText = nil
            inlineText = nil
        case "v" where inCell:
            valueText = ""
            capture = .value
        case "f" where inCell:
            formulaText = ""
            capture = .formula
        case "is" where inCell:
            inlineText = StringItemText()
            inInline = true
        default:
            break
        }
    }

    func end(_ element: String) throws {
        guard inSheetData else { return }
        if inInline {
            if element == "is" { inInline = false } else { inlineText?.end(element) }
            return
        }
        switch element {
        case "sheetData":
            inSheetData = false
        case "row":
            if !rowCells.isEmpty { rows.append(SheetRow(number: rowNumber, cells: rowCells)) }
            inRow = false
        case "c":
            let value = try cellValue()
            if value != .empty || formulaText != nil {
                rowCells.append(Cell(row: cellRow, column: cellColumn, value: value, formula: formulaText))
            }
            inCell = false
        case "v", "f":
            capture = .none
        default:
            break
        }
    }

    func text(_ text: String) {
        if inInline { inlineText?.text(text); return }
        switch capture {
        case .none: break
        case .value: valueText? += text
        case .formula: formulaText? += text
        }
    }

    /// The cell's value from its type, `<v>` and `<is>`.
    private func cellValue() throws -> CellValue {
        let reference = CellReference.name(row: cellRow, column: cellColumn)
        let raw = valueText.map { $0.trimmingWhitespace }
        switch cellType {
        case "inlineStr":
            if let inlineText { return .string(inlineText.value) }
            return raw.map { .string(OOXMLEscapes.decode($0)) } ?? .empty
        case "s":
            guard let raw, !raw.isEmpty else { return .empty }
            guard let index = Int(raw), index >= 0, index < sharedStrings.count else {
                throw SpreadsheetError.badSharedString(file: file, sheet: sheet, cell: reference, index: raw, count: sharedStrings.count)
            }
            return .string(sharedStrings[index])
        case "str":
            // A formula's text result keeps its spaces.
            return valueText.map { .string(OOXMLEscapes.decode($0)) } ?? .empty
        case "d":
            guard let raw, !raw.isEmpty else { return .empty }
            return .string(raw)
        case "n":
            guard let raw, !raw.isEmpty else { return .empty }
            guard Double(raw) != nil else { throw badCell(reference, "number cell holds '\(raw)', which is not a number") }
            return .number(raw)
        case "b":
            guard let raw, !raw.isEmpty else { return .empty }
            switch raw {
            case "1", "true", "TRUE": return .boolean(true)
            case "0", "false", "FALSE": return .boolean(false)
            default: throw badCell(reference, "boolean cell holds '\(raw)', not 0 or 1")
            }
        case "e":
            guard let raw, !raw.isEmpty else { return .empty }
            return .error(raw)
        default:
            throw badCell(reference, "unknown cell type t=\"\(cellType)\" (expected s, inlineStr, str, n, b, e or d)")
        }
    }
}
