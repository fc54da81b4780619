/// One cell with content: where it is, its value, and its formula if it has one.
public struct Cell: Sendable, Equatable {
    /// The 1-based row.
    public let row: Int
    /// The 1-based column (A = 1).
    public let column: Int
    /// The value, or the formula's cached result.
    public let value: CellValue
    /// The formula's text without `=` (`A2+1`); empty for a cell that shares another cell's formula; nil for none.
    public let formula: String?

    /// Creates a cell.
    public init(row: Int, column: Int, value: CellValue, formula: String? = nil) {
        self.row = row
        self.column = column
        self.value = value
        self.formula = formula
    }

    /// The cell's A1 reference (`C17`).
    public var reference: String { CellReference.name(row: row, column: column) }
}

/// One row of a sheet that has at least one cell with content.
public struct SheetRow: Sendable, Equatable {
    /// The 1-based row number (rows with nothing in them are absent, so numbers may skip).
    public let number: Int
    /// The cells with content, in column order; missing columns are empty.
    public let cells: [Cell]

    /// Creates a row.
    public init(number: Int, cells: [Cell]) {
        self.number = number
        self.cells = cells
    }

    /// The value in a 1-based column; `.empty` where there is no cell.
    public subscript(column: Int) -> CellValue {
        cells.first { $0.column == column }?.value ?? .empty
    }
}

/// A worksheet's cells, read from its `sheetData`: the rows with content, in order.
///
/// Cells that exist only for formatting (no value, no formula) are left out, and so are rows left with no cells.
public struct Sheet: Sendable, Equatable {
    /// The workbook's name as given when it was opened (used in errors).
    public let file: String
    /// The sheet's name as the workbook lists it.
    public let name: String
    /// The rows with content, in ascending row order.
    public let rows: [SheetRow]

    /// Creates a sheet.
    public init(file: String, name: String, rows: [SheetRow]) {
        self.file = file
        self.name = name
        self.rows = rows
    }

    /// The row with this 1-based number, or nil when it has no content.
    public func row(_ number: Int) -> SheetRow? {
        var low = 0, high = rows.count
        while low < high {
            let middle = (low + high) / 2
            if rows[middle].number < number { low = middle + 1 } else { high = middle }
        }
        return low < rows.count && rows[low].number == number ? rows[low] : nil
    }

    /// The value at an A1 reference (`C17`); `.empty` for a cell without content or a reference that does not parse.
    public subscript(reference: String) -> CellValue {
        guard let (row, column) = CellReference.parse(reference) else { return .empty }
        return self.row(row)?[column] ?? .empty
    }
}
