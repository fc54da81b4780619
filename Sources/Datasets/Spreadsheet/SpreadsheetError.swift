import Core
import Foundation

/// Why a workbook, or a sheet of it, could not be read; the message starts with where: `file:sheet!cell: reason`.
///
/// The location is as specific as the failure allows: `df_action.xlsx: …` for the archive,
/// `AR_metadata.xlsx:AR: …` for a sheet, `AR_metadata.xlsx:AR!C17: …` for a cell. Sheet names are quoted
/// the way Excel quotes them in formulas when they hold anything but letters, digits, `_` and `.` (`'My sheet'!A1`).
public enum SpreadsheetError: Error, LocalizedError, Equatable, Sendable {
    /// The file could not be opened or read.
    case cannotRead(file: String, reason: String)
    /// The file is not an `.xlsx` workbook: not a zip archive, or a zip without a workbook part.
    case notAWorkbook(file: String, reason: String)
    /// The zip archive, or the part of it a sheet lives in, is damaged.
    case damagedArchive(file: String, sheet: String?, ZipError)
    /// An XML part does not parse, or lacks what the format requires.
    case malformedPart(file: String, sheet: String?, part: String, reason: String)
    /// No sheet has this name; `available` lists the workbook's sheets in order.
    case missingSheet(file: String, sheet: String, available: [String])
    /// The sheet is listed in the workbook but cannot be read (no part, or a chart sheet).
    case unreadableSheet(file: String, sheet: String, reason: String)
    /// A shared-string cell's index is not a number or lies past the end of `xl/sharedStrings.xml`.
    case badSharedString(file: String, sheet: String, cell: String, index: String, count: Int)
    /// A cell (or row, as `17:17`) whose reference, type or value is not what the format allows.
    case badCell(file: String, sheet: String, cell: String, reason: String)

    /// `file[:sheet[!cell]]: reason`.
    public var errorDescription: String? {
        var location = file
        if let sheet { location += ":" + SpreadsheetError.quotedSheetName(sheet) }
        if let cell { location += "!" + cell }
        return location + ": " + reason
    }

    /// The workbook the error is about, as given when it was opened.
    public var file: String {
        switch self {
        case let .cannotRead(file, _), let .notAWorkbook(file, _), let .damagedArchive(file, _, _),
             let .malformedPart(file, _, _, _), let .missingSheet(file, _, _), let .unreadableSheet(file, _, _),
             let .badSharedString(file, _, _, _, _), let .badCell(file, _, _, _):
            return file
        }
    }

    /// The sheet the error is about, when it concerns one.
    public var sheet: String? {
        switch self {
        case .cannotRead, .notAWorkbook: return nil
        case let .damagedArchive(_, sheet, _), let .malformedPart(_, sheet, _, _): return sheet
        case let .missingSheet(_, sheet, _), let .unreadableSheet(_, sheet, _), let .badSharedString(_, sheet, _, _, _),
             let .badCell(_, sheet, _, _):
            return sheet
        }
    }

    /// The cell (`C17`) or row (`17:17`) the error is about, when it concerns one.
    public var cell: String? {
        switch self {
        case let .badSharedString(_, _, cell, _, _), let .badCell(_, _, cell, _): return cell
        default: return nil
        }
    }

    /// What is wrong, without the location.
    public var reason: String {
        switch self {
        case let .cannotRead(_, reason):
            return "cannot read the workbook: \(reason)"
        case let .notAWorkbook(_, reason):
            return "not an .xlsx workbook: \(reason)"
        case let .damagedArchive(_, _, zip):
            return zip.reason
        case let .malformedPart(_, _, part, reason):
            return "\(part): \(reason)"
        case let .missingSheet(_, sheet, available):
            let names = available.map { "'\($0)'" }.joined(separator: ", ")
            return "no sheet named '\(sheet)'; the workbook has \(available.isEmpty ? "no sheets" : names)"
        case let .unreadableSheet(_, _, reason):
            return reason
        case let .badSharedString(_, _, _, index, count):
            if Int(index) == nil { return "shared-string index '\(index)' is not a number" }
            return "shared-string index \(index) is out of range; the workbook has \(count) shared strings"
        case let .badCell(_, _, _, reason):
            return reason
        }
    }

    /// The sheet name as a formula would write it: bare when it is a plain word, else in single quotes.
    static func quotedSheetName(_ name: String) -> String {
        let plain = !name.isEmpty && name.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "."
        }
        return plain ? name : "'" + name.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
