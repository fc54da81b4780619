import Core
import Foundation
import XCTest
@testable import Torch

/// The zip layer: ZIP64 archives, the archive folder name, deflated entries and the errors for what is not supported.
final class ZipArchiveTests: XCTestCase {
    private func write(_ builder: ZipBuilder, name: String) throws -> URL {
        let url = try CheckpointFixtures.temporaryFolder(self).appendingPathComponent(name)
        try builder.build().write(to: url)
        return url
    }

    private func assertStateDict(_ checkpoint: Checkpoint, file: StaticString = #filePath, line: UInt = #line) {
        let rows = CheckpointFixtures.expectation("state_dict.pth").tensors!
        XCTAssertEqual(checkpoint.names, rows.map(\.name).sorted(), file: file, line: line)
        for row in rows { assertMatches(checkpoint[row.name], row, fixture: "rebuilt state_dict", file: file, line: line) }
    }

    func testZip64ArchiveWithAnotherFolderNameReadsLikeTheOriginal() throws {
        var builder = ZipBuilder(zip64: true)
        builder.entries = try ZipBuilder.entries(of: CheckpointFixtures.url("state_dict.pth"), renamingFolderTo: "ViT-B-32")
        let url = try write(builder, name: "zip64.pth")

        let zip = try ZipArchive(data: try Data(contentsOf: url), file: url.path)
        XCTAssertEqual(zip.entries.count, builder.entries.count)
        XCTAssertTrue(zip.entries.allSatisfy { $0.name.hasPrefix("ViT-B-32/") })
        XCTAssertEqual(try TorchArchive(data: try Data(contentsOf: url), file: url.path).prefix, "ViT-B-32/")
        assertStateDict(try CheckpointReader.read(url))
    }

    func testZip64TorchScriptArchiveStillFindsItsCode() throws {
        var builder = ZipBuilder(zip64: true)
        builder.entries = try ZipBuilder.entries(of: CheckpointFixtures.url("scripted.pt"))
        let url = try write(builder, name: "scripted64.pt")
        XCTAssertEqual(try CheckpointReader.format(of: url), .torchScript)
        XCTAssertEqual(try CheckpointReader.read(url).names,
                       CheckpointFixtures.expectation("scripted.pt").tensors!.map(\.name).sorted())
    }

    func testDeflatedStoragesAndPickleAreInflated() throws {
        var builder = ZipBuilder()
        builder.entries = try ZipBuilder.entries(of: CheckpointFixtures.url("state_dict.pth")).map { entry in
            var deflated = entry
            deflated.method = 8
            return deflated
        }
        assertStateDict(try CheckpointReader.read(try write(builder, name: "deflated.pth")))
    }

    func testInflateDecodesFixedAndDynamicHuffmanStreams() throws {
        // Raw deflate streams made by zlib (level 9): a fixed-Huffman one and a dynamic-Huffman one.
        let fixed = Data(base64Encoded: "S85JLC5W8MnMS00s0vDNTynNSdW04lJQiI8vSCxKzE0tSS0qjo9XsFWIVipPzUzPKFHSUVBKykwsBtKxXAA=")!
        XCTAssertEqual(String(decoding: try Inflate.decompress(fixed, expectedSize: 62), as: UTF8.self),
                       "class Linear(Module):\n  __parameters__ = [\"weight\", \"bias\", ]\n")
        let dynamic = Data(base64Encoded: """
            1VFNS8QwFLzvr3jsqYVaEMRDYT3JnlQQ9rYs4bV92YZNX0o+WOqvN0mreNKTiKckM9N503mdRufgxfDjzDiqDrWeXwOyV2/YanpSTGiLZ9MHTWWzARBiQosjebJO\
            CNjBcXsldR78toJtq9DF85R1bZDyU5SgRQcNHIidsRFJ+q9vb1Gx4nPEWmN0slFOyKC1aLG7XNH2YjDmEvkYmQ7zRFFjgheS0AdLyW2vGPVRsT/FwXeRV/wt3ZME\
            aWwyLxxp2cTs3thuEKLOZ81cj7kBV+tcSP1DYVW0TXOn4D/+roSbh/XaZHZtYwdpZr28MpFLWeF0z6ClmJ9hybOEKLJ/tRpV+bty0+WF/vu93d7/zuL+fD/v
            """)!
        let source = try Inflate.decompress(dynamic, expectedSize: 881)
        XCTAssertEqual(CRC32.checksum(source), 2_985_610_877)
        XCTAssertTrue(String(decoding: source, as: UTF8.self).contains("__parameters__ = [\"weight\", \"bias\", ]"))
        XCTAssertThrowsError(try Inflate.decompress(dynamic, expectedSize: 880), "output longer than the directory says")
        XCTAssertThrowsError(try Inflate.decompress(dynamic.prefix(100), expectedSize: 881), "stream cut short")
    }

    func testCorruptDeflateStreamNamesTheEntry() throws {
        var builder = ZipBuilder()
        builder.entries = try ZipBuilder.entries(of: CheckpointFixtures.url("state_dict.pth"))
        let index = builder.entries.firstIndex { $0.name.hasSuffix("/data.pkl") }!
        builder.entries[index].method = 8
        builder.entries[index].payload = Data([0x07, 0x00, 0x00])   // block type 3 is reserved
        let url = try write(builder, name: "bad-deflate.pth")
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        guard case let .corruptEntry(_, entry, _)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertEqual(entry, "state_dict/data.pkl")
    }

    func testOtherCompressionMethodsAreRejectedNamingTheEntry() throws {
        var builder = ZipBuilder()
        builder.entries = try ZipBuilder.entries(of: CheckpointFixtures.url("state_dict.pth"))
        let index = builder.entries.firstIndex { $0.name == "state_dict/data/0" }!
        builder.entries[index].method = 12                            // bzip2
        let url = try write(builder, name: "bzip2.pth")
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        XCTAssertEqual(error, .unsupportedCompression(file: url.path, entry: "state_dict/data/0", method: 12))
    }

    func testChecksumMismatchInThePickleIsReported() throws {
        var builder = ZipBuilder()
        builder.entries = try ZipBuilder.entries(of: CheckpointFixtures.url("state_dict.pth"))
        let index = builder.entries.firstIndex { $0.name.hasSuffix("/data.pkl") }!
        builder.entries[index].crcOverride = 0xDEAD_BEEF
        let url = try write(builder, name: "crc.pth")
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        guard case let .corruptEntry(_, entry, reason)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertEqual(entry, "state_dict/data.pkl")
        XCTAssertTrue(reason.contains("CRC"))
    }

    func testMissingStorageEntryIsNamed() throws {
        var builder = ZipBuilder()
        builder.entries = try ZipBuilder.entries(of: CheckpointFixtures.url("state_dict.pth"), skipping: ["state_dict/data/3"])
        let url = try write(builder, name: "missing.pth")
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        XCTAssertEqual(error, .missingEntry(file: url.path, entry: "state_dict/data/3"))
    }

    func testZip64EndRecordWithoutLocatorIsMalformed() throws {
        var builder = ZipBuilder(zip64: true)
        builder.entries = [ZipBuilder.Entry(name: "archive/data.pkl", contents: Data([0x80, 0x02, 0x7D, 0x2E]))]
        var bytes = builder.build()
        // Overwrite the 20-byte locator's signature.
        let locator = bytes.count - 22 - 20
        bytes.replaceSubrange(locator ..< locator + 4, with: [0, 0, 0, 0])
        let url = try CheckpointFixtures.temporaryFolder(self).appendingPathComponent("no-locator.pth")
        try bytes.write(to: url)
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        guard case .badZip? = error else { return XCTFail("got \(String(describing: error))") }
    }

    func testArchiveWithoutDataPickleIsReported() throws {
        var builder = ZipBuilder()
        builder.entries = [ZipBuilder.Entry(name: "notes/readme.txt", contents: Data("hello".utf8))]
        let url = try write(builder, name: "plain.zip")
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        guard case .missingEntry? = error else { return XCTFail("got \(String(describing: error))") }
    }
}
