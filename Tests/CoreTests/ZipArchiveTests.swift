import Core
import Foundation
import XCTest

/// Core's zip reader against what Python's zipfile writes when it cannot seek (as Excel-style writers do):
/// deflated entries with general-purpose bit 3 set, zero sizes in the local headers and a data descriptor after the data.
final class ZipArchiveTests: XCTestCase {
    /// zipfile writing to an unseekable stream: a zlib level-9 sheet, an empty deflated file, a stored UTF-8-named one.
    private static let pythonArchive = Data(base64Encoded: """
        UEsDBBQACAAIAIMYIlgAAAAAAAAAAAAAAAAYAAAAeGwvd29ya3NoZWV0cy9zaGVldDEueG1sjZRbasQwEASvsvgC9nRbD4PXkLPkAIFN2Fw/Xgjq+bB29DcwhcCqkvfH1+/\
        tcZ9sOvbPY38ets/PY5/PeT5Xx/6/x2v/Gj4w3X7u0/f0BmaD6eB6Da8NXh2Mazg1ODl4u4Zzg7ODeQ2XBhf/gcs1XRtdHb1ew1uDN3905/Jsafg5ik8d3ISbP75zgyaT5l\
        XmDi6X5mV27sVk07zO0sHl01Lclcmo5bgsk1MrcVsmqVbjukxabYv7grRiGSgM8gqLG4N7oBioDPIKxpVBXrEOVAaJRYorg8Qix5VBYlHiyiCxqHFlkFhscWWUWC5xZZRXWlw\
        Z5ZWIK6P79XKgMsor17gySivTQGWUV+a4Msory0BllFjWuDJKLLd+ZX9QSwcIef1PxBwBAAATBwAAUEsDBBQACAAIAIMYIlgAAAAAAAAAAAAAAAAJAAAAZW1wdHkudHh0AwBQ\
        SwcIAAAAAAIAAAAAAAAAUEsDBBQACAgAAIMYIlgAAAAAAAAAAAAAAAAPAAAAZG9ubsOpZXMvw6kudHh0aMOpbGxvUEsHCDaCO54GAAAABgAAAFBLAQIUAxQACAAIAIMYIlh5\
        /U/EHAEAABMHAAAYAAAAAAAAAAAAAACAAQAAAAB4bC93b3Jrc2hlZXRzL3NoZWV0MS54bWxQSwECFAMUAAgACACDGCJYAAAAAAIAAAAAAAAACQAAAAAAAAAAAAAAgAFiAQAA\
        ZW1wdHkudHh0UEsBAhQDFAAICAAAgxgiWDaCO54GAAAABgAAAA8AAAAAAAAAAAAAAIABmwEAAGRvbm7DqWVzL8OpLnR4dFBLBQYAAAAAAwADALoAAADeAQAAAAA=
        """)!

    /// The sheet entry's text, as the generator built it.
    private static let sheetText = "<row r=\"1\"><c><v>1</v></c></row>"
        + (2 ..< 40).map { "<row r=\"\($0)\"><c r=\"A\($0)\" t=\"s\"><v>\($0 * 7 % 13)</v></c></row>" }.joined()

    func testDeflatedEntriesWithDataDescriptorsAreRead() throws {
        let zip = try ZipArchive(data: Self.pythonArchive, file: "book.xlsx")
        XCTAssertEqual(zip.entries.map(\.name), ["xl/worksheets/sheet1.xml", "empty.txt", "données/é.txt"])
        XCTAssertTrue(zip.entries.allSatisfy { $0.flags & 0x8 != 0 }, "every entry has a data descriptor")
        XCTAssertEqual(zip.entries.map(\.method), [8, 8, 0])

        let sheet = try XCTUnwrap(zip.entry(named: "xl/worksheets/sheet1.xml"))
        XCTAssertEqual(sheet.compressedSize, 284)
        XCTAssertEqual(sheet.uncompressedSize, 1811)
        XCTAssertEqual(String(decoding: try zip.contents(of: sheet, verify: true), as: UTF8.self), Self.sheetText)
        XCTAssertEqual(try zip.contents(of: XCTUnwrap(zip.entry(named: "empty.txt")), verify: true), Data())
        XCTAssertEqual(String(decoding: try zip.contents(of: XCTUnwrap(zip.entry(named: "données/é.txt")), verify: true), as: UTF8.self), "héllo")
        XCTAssertNil(zip.entry(named: "xl/workbook.xml"))
        XCTAssertTrue(ZipArchive.looksLikeZip(Self.pythonArchive))
        XCTAssertFalse(ZipArchive.looksLikeZip(Data("S/N,video_id\n".utf8)))
    }

    func testDamagedArchivesAreTypedErrorsNamingTheFile() throws {
        func failure(_ bytes: Data) -> ZipError? {
            do {
                let zip = try ZipArchive(data: bytes, file: "book.xlsx")
                for entry in zip.entries { _ = try zip.contents(of: entry, verify: true) }
                return nil
            } catch {
                return error as? ZipError
            }
        }
        let original = Self.pythonArchive
        let centralSheet = try XCTUnwrap(original.range(of: Data([0x50, 0x4B, 0x01, 0x02]))).lowerBound

        guard case .truncated? = failure(original.prefix(original.count - 10)) else { return XCTFail("a cut archive is truncated") }
        guard case .truncated? = failure(Data("not a zip at all, but long enough".utf8)) else { return XCTFail("no end record") }

        var corrupt = original
        corrupt[60] ^= 0xFF                                   // inside the sheet's deflate stream
        guard case let .corruptEntry(file, entry, _)? = failure(corrupt) else { return XCTFail("a damaged stream is corrupt") }
        XCTAssertEqual(file, "book.xlsx")
        XCTAssertEqual(entry, "xl/worksheets/sheet1.xml")

        var bzip2 = original
        bzip2[centralSheet + 10] = 12
        XCTAssertEqual(failure(bzip2), .unsupportedCompression(file: "book.xlsx", entry: "xl/worksheets/sheet1.xml", method: 12))
        XCTAssertEqual(failure(bzip2)?.errorDescription,
                       "book.xlsx: zip entry 'xl/worksheets/sheet1.xml' uses compression method 12; only stored (0) and deflate (8) are supported")

        var encrypted = original
        encrypted[centralSheet + 8] |= 1
        XCTAssertEqual(failure(encrypted), .malformed(file: "book.xlsx", reason: "entry 'xl/worksheets/sheet1.xml' is encrypted"))
        XCTAssertEqual(failure(encrypted)?.errorDescription, "book.xlsx: malformed zip archive: entry 'xl/worksheets/sheet1.xml' is encrypted")
    }

    func testCRC32AndInflateOnKnownInputs() throws {
        XCTAssertEqual(CRC32.checksum(Data("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum(Data()), 0)
        // zlib.compressobj(9, wbits=-15) of "vimo vimo vimo vimo": a fixed-Huffman block with a back-reference.
        let stream = Data([0x2B, 0xCB, 0xCC, 0xCD, 0x57, 0x28, 0x43, 0x21, 0x00])
        XCTAssertEqual(String(decoding: try Inflate.decompress(stream, expectedSize: 19), as: UTF8.self), "vimo vimo vimo vimo")
        XCTAssertThrowsError(try Inflate.decompress(stream.prefix(4), expectedSize: 19)) { error in
            XCTAssertEqual((error as? Inflate.Failure)?.reason, "stream ends early")
        }
    }
}
