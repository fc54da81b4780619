import Foundation

/// A minimal `.xlsx` package written by hand: every entry stored (method 0) in a zip built here, so the reader
/// is also tested against a writer that is neither openpyxl nor Excel.
struct XlsxTestPackage {
    /// Entries in archive order: part name and contents.
    var parts: [(name: String, text: String)] = []

    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    /// The usual layout: xl/workbook.xml listing `sheets`, each at xl/worksheets/sheetN.xml with the given
    /// `sheetData` contents, and xl/sharedStrings.xml when `sharedStrings` is given.
    static func workbook(_ sheets: [(name: String, rows: String)], sharedStrings: [String]? = nil) -> XlsxTestPackage {
        var package = XlsxTestPackage()
        let list = sheets.enumerated().map { "<sheet name=\"\($0.element.name)\" sheetId=\"\($0.offset + 1)\" r:id=\"rId\($0.offset + 1)\"/>" }
        package.parts.append(("xl/workbook.xml", "<workbook xmlns=\"\(main)\" xmlns:r=\"\(relationships)\"><sheets>\(list.joined())</sheets></workbook>"))
        var rels = sheets.indices.map { "<Relationship Id=\"rId\($0 + 1)\" Type=\"\(relationships)/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>" }
        if let sharedStrings {
            rels.append("<Relationship Id=\"rIdS\" Type=\"\(relationships)/sharedStrings\" Target=\"sharedStrings.xml\"/>")
            let items = sharedStrings.map { "<si><t>\($0)</t></si>" }.joined()
            package.parts.append(("xl/sharedStrings.xml", "<sst xmlns=\"\(main)\" count=\"\(sharedStrings.count)\">\(items)</sst>"))
        }
        package.parts.append(("xl/_rels/workbook.xml.rels",
                              "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\(rels.joined())</Relationships>"))
        for (number, sheet) in sheets.enumerated() {
            package.parts.append(("xl/worksheets/sheet\(number + 1).xml", "<worksheet xmlns=\"\(main)\"><sheetData>\(sheet.rows)</sheetData></worksheet>"))
        }
        return package
    }

    /// The zip archive's bytes.
    var data: Data {
        var archive = Data(), directory = Data()
        for (name, text) in parts {
            let contents = Data(text.utf8), nameBytes = Data(name.utf8)
            let crc = Self.crc32(contents), offset = UInt32(archive.count)
            // Local header: signature, version, flags (bit 11: UTF-8 name), method 0, time, date, crc, sizes, name/extra lengths.
            archive.le(UInt32(0x0403_4B50)); archive.le(UInt16(20)); archive.le(UInt16(0x800)); archive.le(UInt16(0))
            archive.le(UInt16(0)); archive.le(UInt16(0x21)); archive.le(crc)
            archive.le(UInt32(contents.count)); archive.le(UInt32(contents.count))
            archive.le(UInt16(nameBytes.count)); archive.le(UInt16(0))
            archive.append(nameBytes); archive.append(contents)
            directory.le(UInt32(0x0201_4B50)); directory.le(UInt16(20)); directory.le(UInt16(20)); directory.le(UInt16(0x800))
            directory.le(UInt16(0)); directory.le(UInt16(0)); directory.le(UInt16(0x21)); directory.le(crc)
            directory.le(UInt32(contents.count)); directory.le(UInt32(contents.count))
            directory.le(UInt16(nameBytes.count)); directory.le(UInt16(0)); directory.le(UInt16(0))
            directory.le(UInt16(0)); directory.le(UInt16(0)); directory.le(UInt32(0)); directory.le(offset)
            directory.append(nameBytes)
        }
        let directoryOffset = UInt32(archive.count)
        archive.append(directory)
        archive.le(UInt32(0x0605_4B50)); archive.le(UInt16(0)); archive.le(UInt16(0))
        archive.le(UInt16(parts.count)); archive.le(UInt16(parts.count))
        archive.le(UInt32(directory.count)); archive.le(directoryOffset); archive.le(UInt16(0))
        return archive
    }

    /// CRC-32 computed here rather than with Core's, so the reader's check is against an independent one.
    private static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0 ..< 8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

private extension Data {
    mutating func le<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
