import Foundation

/// A worksheet of an `.xlsx` file as CSV bytes, so the CSV readers parse it unchanged.
enum SpreadsheetText {
    /// The sheet `sheet` (or the first) of `url` as CSV, and the sheet's name. Row n of the sheet is
    /// line n of the text (unless a cell above holds a line break), so readers' line numbers are the
    /// sheet's row numbers. `shownAs` names the file in errors (`AR_metadata.xlsx:AR!C17: …`).
    static func csvBytes(of url: URL, sheet: String?, shownAs name: String) throws -> (bytes: [UInt8], sheet: String) {
        do {
            let workbook = try Workbook(contentsOf: url, file: name)
            let chosen = try sheet.map { try workbook.sheet(named: $0) } ?? workbook.firstSheet()
            return (chosen.csv().bytes, chosen.name)
        } catch let error as SpreadsheetError {
            throw DatasetError.spreadsheet(error.localizedDescription)
        }
    }
}
