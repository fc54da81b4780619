import Core
import Foundation

/// An `.xlsx` workbook (Office Open XML spreadsheet), read in pure Swift: its sheet names, and any sheet's cells.
///
/// Opening reads the package's zip directory, the workbook's sheet list (`xl/workbook.xml` with
/// `xl/_rels/workbook.xml.rels`) and the shared strings; a sheet's XML is parsed when it is asked for.
/// Styles are not read, so a date is the number Excel stores for it.
///
/// ```swift
/// let book = try Workbook(contentsOf: url, file: "annotation/AR_metadata.xlsx")
/// let records = try book.sheet(named: "AR").records()
/// ```
public struct Workbook: Sendable {
    /// The name used in errors, as given when opening.
    public let file: String
    /// The sheets' names in tab order.
    public let sheetNames: [String]

    private let zip: ZipArchive
    /// Each sheet's part, by position in `sheetNames`, or why it cannot be read (no relationship, a chart sheet).
    private let sheetParts: [Result<String, SpreadsheetError>]
    private let sharedStrings: [String]

    /// Opens the workbook at `url`; `file` names it in errors (default: the path).
    public init(contentsOf url: URL, file: String? = nil) throws {
        let name = file ?? (url.isFileURL ? url.path : url.absoluteString)
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw SpreadsheetError.cannotRead(file: name, reason: error.localizedDescription)
        }
        try self.init(data: data, file: name)
    }

    /// Opens a workbook held in memory; `file` names it in errors.
    public init(data: Data, file: String) throws {
        self.file = file
        if let kind = Workbook.otherFormat(data) { throw SpreadsheetError.notAWorkbook(file: file, reason: kind) }
        do {
            zip = try ZipArchive(data: data, file: file)
        } catch let error as ZipError {
            throw SpreadsheetError.damagedArchive(file: file, sheet: nil, error)
        }

        // The package relationships name the main part; xl/workbook.xml, where writers put it, is the fallback.
        var workbookPart = "xl/workbook.xml"
        if let rels = Workbook.entry(named: "_rels/.rels", in: zip) {
            let reader = RelationshipsReader()
            try Workbook.read(rels, of: zip, with: reader)
            if let main = reader.relationships.first(where: { $0.kind == "officeDocument" && !$0.isExternal }) {
                workbookPart = main.partName(relativeTo: "")
            }
        }
        guard let workbookEntry = Workbook.entry(named: workbookPart, in: zip) else {
            throw SpreadsheetError.notAWorkbook(file: file, reason: Workbook.describeMissingWorkbook(zip, part: workbookPart))
        }
        let workbook = WorkbookReader()
        try Workbook.read(workbookEntry, of: zip, with: workbook)
        guard workbook.sawWorkbook else {
            throw SpreadsheetError.malformedPart(file: file, sheet: nil, part: workbookEntry.name, reason: "no <workbook> element")
        }

        var relationships: [String: Relationship] = [:]
        let relsPart = PackagePath.relationships(of: workbookEntry.name)
        if let rels = Workbook.entry(named: relsPart, in: zip) {
            let reader = RelationshipsReader()
            try Workbook.read(rels, of: zip, with: reader)
            for relationship in reader.relationships where relationships[relationship.id] == nil {
                relationships[relationship.id] = relationship
            }
        }

        sheetNames = workbook.sheets.map(\.name)
        sheetParts = workbook.sheets.map { sheet in
            guard let relationship = relationships[sheet.relationship] else {
                return .failure(.unreadableSheet(file: file, sheet: sheet.name, reason:
                    "\(relsPart) has no relationship \(sheet.relationship) for this sheet"))
            }
            guard relationship.kind == "worksheet" else {
                return .failure(.unreadableSheet(file: file, sheet: sheet.name, reason:
                    "is a \(relationship.kind), not a worksheet; it has no cells to read"))
            }
            return .success(relationship.partName(relativeTo: workbookEntry.name))
        }

        let stringsPart = relationships.values.first { $0.kind == "sharedStrings" && !$0.isExternal }
            .map { $0.partName(relativeTo: workbookEntry.name) } ?? "xl/sharedStrings.xml"
        if let strings = Workbook.entry(named: stringsPart, in: zip) {
            let reader = SharedStringsReader()
            try Workbook.read(strings, of: zip, with: reader)
            sharedStrings = reader.strings
        } else {
            sharedStrings = []
        }
    }

    /// The sheet with this name (an exact match, else the one match ignoring case, as Excel compares names).
    ///
    /// Throws `SpreadsheetError.missingSheet` listing the sheets there are, or the error of the first bad cell.
    public func sheet(named name: String) throws -> Sheet {
        var position = sheetNames.firstIndex(of: name)
        if position == nil {
            let matches = sheetNames.indices.filter { sheetNames[$0].lowercased() == name.lowercased() }
            if matches.count == 1 { position = matches[0] }
        }
        guard let position else { throw SpreadsheetError.missingSheet(file: file, sheet: name, available: sheetNames) }
        return try sheet(at: position)
    }

    /// The first sheet in tab order.
    public func firstSheet() throws -> Sheet {
        guard !sheetNames.isEmpty else {
            throw SpreadsheetError.malformedPart(file: file, sheet: nil, part: "xl/workbook.xml", reason: "the workbook lists no sheets")
        }
        return try sheet(at: 0)
    }

    private func sheet(at position: Int) throws -> Sheet {
        let name = sheetNames[position]
        let part = try sheetParts[position].get()
        guard let entry = Workbook.entry(named: part, in: zip) else {
            throw SpreadsheetError.unreadableSheet(file: file, sheet: name, reason: "its part \(part) is not in the archive")
        }
        let reader = WorksheetReader(file: file, sheet: name, sharedStrings: sharedStrings)
        try Workbook.read(entry, of: zip, sheet: name, with: reader)
        return Sheet(file: file, name: name, rows: reader.rows)
    }

    // MARK: - Package access

    /// An entry by part name; OPC part names compare without regard to case.
    private static func entry(named name: String, in zip: ZipArchive) -> ZipEntry? {
        if let entry = zip.entry(named: name) { return entry }
        let lowered = name.lowercased()
        return zip.entries.first { $0.name.lowercased() == lowered }
    }

    /// Extracts an entry (CRC checked) and parses it with `handler`; failures name the workbook and `sheet`.
    private static func read(_ entry: ZipEntry, of zip: ZipArchive, sheet: String? = nil, with handler: XMLPartHandler) throws {
        let data: Data
        do {
            data = try zip.contents(of: entry, verify: true)
        } catch let error as ZipError {
            throw SpreadsheetError.damagedArchive(file: zip.file, sheet: sheet, error)
        }
        try XMLPart.parse(data, with: handler) { reason in
            SpreadsheetError.malformedPart(file: zip.file, sheet: sheet, part: entry.name, reason: reason)
        }
    }

    /// What the bytes are when they are recognisably not a zip archive, or nil.
    private static func otherFormat(_ data: Data) -> String? {
        if data.isEmpty { return "the file is empty" }
        if ZipArchive.looksLikeZip(data) { return nil }
        if data.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            return "it is an OLE2 compound file: an Excel 97-2003 .xls, or a password-protected .xlsx; save it as an unprotected .xlsx"
        }
        let head = String(decoding: data.prefix(512), as: UTF8.self)
        if head.contains("<?xml") || head.contains("<html") || head.contains("<HTML") {
            return "it is XML or HTML text, not a zip archive (an Excel 2003 XML or HTML export?); save it as .xlsx"
        }
        return "it is not a zip archive"
    }

    private static func describeMissingWorkbook(_ zip: ZipArchive, part: String) -> String {
        let names = zip.entries.map(\.name)
        if names.contains(where: { $0.hasPrefix("word/") }) { return "it is a Word document (no \(part))" }
        if names.contains(where: { $0.hasPrefix("ppt/") }) { return "it is a PowerPoint presentation (no \(part))" }
        if names.contains("content.xml"), names.contains("mimetype") {
            return "it is an OpenDocument file (.ods?) with no \(part); save it as .xlsx"
        }
        let shown = names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", …" : "")
        return "the zip archive has no \(part)" + (names.isEmpty ? " (it is empty)" : " (it holds \(shown))")
    }
}
