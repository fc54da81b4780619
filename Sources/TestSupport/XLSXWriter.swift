import Core
import Foundation

/// Writes small `.xlsx` workbooks for tests: a stored (uncompressed) ZIP with one worksheet per
/// sheet, numbers as numeric cells and everything else as shared strings, the way Excel saves them.
/// A second writer beside openpyxl's fixtures, so the reader is not tested against one writer only.
public enum XLSXWriter {
    /// A worksheet: its name and its rows (the first is usually the header).
    public struct Sheet {
        public var name: String
        public var rows: [[String]]
        public init(name: String, rows: [[String]]) {
            self.name = name
            self.rows = rows
        }
    }

    /// Writes `sheets` as a workbook at `url`.
    public static func write(_ sheets: [Sheet], to url: URL) throws {
        var strings: [String] = []
        var stringIndex: [String: Int] = [:]
        var entries: [(String, Data)] = []
        entries.append(("[Content_Types].xml", Data(("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
            """ + sheets.indices.map { "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>" }.joined()
            + "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/></Types>").utf8)))
        entries.append(("_rels/.rels", Data("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
            </Relationships>
            """.utf8)))
        let sheetList = sheets.enumerated().map { "<sheet name=\"\(escape($0.element.name))\" sheetId=\"\($0.offset + 1)\" r:id=\"rId\($0.offset + 1)\"/>" }.joined()
        entries.append(("xl/workbook.xml", Data("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <sheets>\(sheetList)</sheets></workbook>
            """.utf8)))
        let relations = sheets.indices.map { "<Relationship Id=\"rId\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>" }.joined()
            + "<Relationship Id=\"rId\(sheets.count + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>"
        entries.append(("xl/_rels/workbook.xml.rels", Data("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\(relations)</Relationships>
            """.utf8)))
        for (number, sheet) in sheets.enumerated() {
            var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                + "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
            for (r, row) in sheet.rows.enumerated() {
                xml += "<row r=\"\(r + 1)\">"
                for (c, value) in row.enumerated() where !value.isEmpty {
                    let reference = columnName(c) + String(r + 1)
                    if Double(value) != nil, !value.hasPrefix("0") || value == "0" || value.hasPrefix("0.") {
                        xml += "<c r=\"\(reference)\"><v>\(value)</v></c>"
                    } else {
                        let index = stringIndex[value] ?? {
                            strings.append(value)
                            stringIndex[value] = strings.count - 1
                            return strings.count - 1
                        }()
                        xml += "<c r=\"\(reference)\" t=\"s\"><v>\(index)</v></c>"
                    }
                }
                xml += "</row>"
            }
            xml += "</sheetData></worksheet>"
            entries.append(("xl/worksheets/sheet\(number + 1).xml", Data(xml.utf8)))
        }
        let shared = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
            + "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"\(strings.count)\" uniqueCount=\"\(strings.count)\">"
            + strings.map { "<si><t xml:space=\"preserve\">\(escape($0))</t></si>" }.joined() + "</sst>"
        entries.append(("xl/sharedStrings.xml", Data(shared.utf8)))
        try storedZip(entries).write(to: url, options: .atomic)
    }

    /// `A`, …, `Z`, `AA`, … for a 0-based column.
    static func columnName(_ column: Int) -> String {
        var n = column + 1
        var name = ""
        while n > 0 {
            let remainder = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            n = (n - 1) / 26
        }
        return name
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A ZIP archive with every entry stored (method 0).
    private static func storedZip(_ entries: [(String, Data)]) -> Data {
        var archive = Data()
        var directory = Data()
        func le16(_ v: Int, into d: inout Data) { d.append(contentsOf: [UInt8(v & 0xff), UInt8((v >> 8) & 0xff)]) }
        func le32(_ v: UInt32, into d: inout Data) { for shift in [0, 8, 16, 24] { d.append(UInt8((v >> UInt32(shift)) & 0xff)) } }
        for (name, data) in entries {
            let offset = UInt32(archive.count)
            let crc = CRC32.checksum(data)
            let nameBytes = Data(name.utf8)
            le32(0x0403_4b50, into: &archive); le16(20, into: &archive); le16(0, into: &archive); le16(0, into: &archive)
            le16(0, into: &archive); le16(0x21, into: &archive)
            le32(crc, into: &archive); le32(UInt32(data.count), into: &archive); le32(UInt32(data.count), into: &archive)
            le16(nameBytes.count, into: &archive); le16(0, into: &archive)
            archive.append(nameBytes); archive.append(data)
            le32(0x0201_4b50, into: &directory); le16(20, into: &directory); le16(20, into: &directory)
            le16(0, into: &directory); le16(0, into: &directory); le16(0, into: &directory); le16(0x21, into: &directory)
            le32(crc, into: &directory); le32(UInt32(data.count), into: &directory); le32(UInt32(data.count), into: &directory)
            le16(nameBytes.count, into: &directory); le16(0, into: &directory); le16(0, into: &directory)
            le16(0, into: &directory); le16(0, into: &directory); le32(0, into: &directory); le32(offset, into: &directory)
            directory.append(nameBytes)
        }
        let directoryOffset = UInt32(archive.count)
        archive.append(directory)
        le32(0x0605_4b50, into: &archive); le16(0, into: &archive); le16(0, into: &archive)
        le16(entries.count, into: &archive); le16(entries.count, into: &archive)
        le32(UInt32(directory.count), into: &archive); le32(directoryOffset, into: &archive); le16(0, into: &archive)
        return archive
    }
}

extension XLSXWriter {
    /// The rows of a small CSV file (RFC 4180 quotes), for turning a CSV fixture into a worksheet.
    public static func csvRows(_ url: URL) throws -> [[String]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var iterator = text.makeIterator()
        while let c = iterator.next() {
            if quoted {
                if c == "\"" { quoted = false } else { field.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\n" || c == "\r\n" {
                row.append(field); rows.append(row); row = []; field = ""
            } else if c != "\r" {
                field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}

extension TestSupport {
    /// Rearranges a synthetic dataset in vimo's Animal Kingdom layout (`video/`, `annotation/*.csv`)
    /// into the official release as it unpacks: `<top>/action_recognition/` with `annotation/train.csv`,
    /// `val.csv`, `df_action.xlsx`, `AR_metadata.xlsx` (sheet `AR`), `dataset/video/<id>.mp4` and, with
    /// `images`, `dataset/image/<id>/<id>_%06d.jpg` written by the ffmpeg CLI. Returns the
    /// action_recognition folder.
    @discardableResult
    public static func makeAnimalKingdomRelease(from synthetic: URL, at top: URL, images: Bool) throws -> URL {
        let fm = FileManager.default
        let root = top.appendingPathComponent("action_recognition")
        let annotation = root.appendingPathComponent("annotation")
        try fm.createDirectory(at: annotation, withIntermediateDirectories: true)
        for name in ["train.csv", "val.csv"] {
            try fm.copyItem(at: synthetic.appendingPathComponent("annotation/\(name)"), to: annotation.appendingPathComponent(name))
        }
        try XLSXWriter.write([.init(name: "Sheet1", rows: try XLSXWriter.csvRows(synthetic.appendingPathComponent("annotation/df_action.csv")))],
                             to: annotation.appendingPathComponent("df_action.xlsx"))
        try XLSXWriter.write([.init(name: "Sheet2", rows: [["notes"]]),
                              .init(name: "AR", rows: try XLSXWriter.csvRows(synthetic.appendingPathComponent("annotation/AR_metadata.csv")))],
                             to: root.appendingPathComponent("AR_metadata.xlsx"))
        let videos = root.appendingPathComponent("dataset/video")
        try fm.createDirectory(at: videos.deletingLastPathComponent(), withIntermediateDirectories: true)
        try fm.copyItem(at: synthetic.appendingPathComponent("video"), to: videos)
        if images {
            for name in try fm.contentsOfDirectory(atPath: videos.path).sorted() where name.hasSuffix(".mp4") {
                let id = String(name.dropLast(4))
                let folder = root.appendingPathComponent("dataset/image/\(id)")
                try fm.createDirectory(at: folder, withIntermediateDirectories: true)
                let result = try run("ffmpeg", ["-nostdin", "-v", "error", "-i", videos.appendingPathComponent(name).path,
                                                "-start_number", "0", "-q:v", "3", folder.appendingPathComponent("\(id)_%06d.jpg").path])
                guard result.status == 0 else {
                    throw NSError(domain: "ffmpeg", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: result.stderr])
                }
            }
        }
        return root
    }
}
