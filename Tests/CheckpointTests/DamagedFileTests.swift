import Foundation
import XCTest
@testable import Torch

/// Truncated, corrupt and foreign files fail with the CheckpointError that says what is wrong, naming the file.
final class DamagedFileTests: XCTestCase {
    private func file(_ name: String, _ bytes: Data) throws -> URL {
        let url = try CheckpointFixtures.temporaryFolder(self).appendingPathComponent(name)
        try bytes.write(to: url)
        return url
    }

    private func fixtureBytes(_ name: String) throws -> Data {
        try Data(contentsOf: CheckpointFixtures.url(name))
    }

    /// A safetensors file from a header string and a data section.
    private func safetensors(_ header: String, data: Data) -> Data {
        var bytes = Data()
        bytes.appendLE(UInt64(header.utf8.count))
        bytes.append(Data(header.utf8))
        bytes.append(data)
        return bytes
    }

    func testTruncatedSafetensorsData() throws {
        let bytes = try fixtureBytes("tensors.safetensors")
        let url = try file("cut.safetensors", bytes.prefix(bytes.count - 10))
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        guard case let .truncated(_, detail)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertTrue(detail.contains("needs data bytes"), detail)
    }

    func testTruncatedSafetensorsHeader() throws {
        let bytes = try fixtureBytes("tensors.safetensors")
        let url = try file("cut-header.safetensors", bytes.prefix(40))
        let error = assertCheckpointError(url) { try CheckpointReader.readSafetensors(url) }
        guard case .truncated? = error else { return XCTFail("got \(String(describing: error))") }
    }

    func testSafetensorsHeaderThatIsNotJSON() throws {
        let url = try file("garbage.safetensors", safetensors("{\"a\": [1, 2", data: Data()))
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        guard case .badSafetensorsHeader? = error else { return XCTFail("got \(String(describing: error))") }
    }

    func testSafetensorsEntryWithoutOffsets() throws {
        let url = try file("no-offsets.safetensors", safetensors(#"{"w":{"dtype":"F32","shape":[2]}}"#, data: Data(count: 8)))
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        guard case let .badSafetensorsHeader(_, reason)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertTrue(reason.contains("'w'"), reason)
    }

    func testSafetensorsSizeMismatchBetweenHeaderAndData() throws {
        let header = #"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#
        let url = try file("mismatch.safetensors", safetensors(header, data: Data(count: 24)))
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        XCTAssertEqual(error, .sizeMismatch(file: url.path, tensor: "w", expectedBytes: 24, actualBytes: 20))
    }

    func testSafetensorsUnsupportedDType() throws {
        let header = #"{"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}"#
        let url = try file("float8.safetensors", safetensors(header, data: Data(count: 2)))
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        XCTAssertEqual(error, .unsupportedDType(file: url.path, tensor: "w", dtype: "F8_E4M3"))
    }

    func testSafetensorsImplausibleHeaderLength() throws {
        var bytes = Data()
        bytes.appendLE(UInt64(1) << 40)
        bytes.append(Data("{}".utf8))
        let url = try file("huge.safetensors", bytes)
        let error = assertCheckpointError(url) { try CheckpointReader.readSafetensors(url) }
        guard case .badSafetensorsHeader? = error else { return XCTFail("got \(String(describing: error))") }
    }

    func testTruncatedTorchZip() throws {
        let bytes = try fixtureBytes("state_dict.pth")
        let url = try file("cut.pth", bytes.prefix(bytes.count * 6 / 10))
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        guard case .truncated? = error else { return XCTFail("got \(String(describing: error))") }
    }

    func testBytesMissingFromTheMiddleOfAnArchive() throws {
        let bytes = try fixtureBytes("scripted.pt")
        var damaged = bytes.prefix(bytes.count / 2)
        damaged.append(bytes.suffix(from: bytes.count / 2 + 100))
        let url = try file("holes.pt", Data(damaged))
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        guard case .badZip? = error else { return XCTFail("got \(String(describing: error))") }
    }

    func testEmptyFile() throws {
        let url = try file("empty.pth", Data())
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        guard case .truncated? = error else { return XCTFail("got \(String(describing: error))") }
    }

    func testForeignFileIsAnUnknownFormat() throws {
        let url = try file("notes.txt", Data(String(repeating: "not a checkpoint\n", count: 10).utf8))
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        XCTAssertEqual(error, .unknownFormat(file: url.path))
    }

    func testMissingFile() throws {
        let url = try CheckpointFixtures.temporaryFolder(self).appendingPathComponent("absent.safetensors")
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        guard case .cannotAccess? = error else { return XCTFail("got \(String(describing: error))") }
    }

    func testTorchZipWithAStorageShorterThanItsPickleSays() throws {
        var builder = ZipBuilder()
        builder.entries = try ZipBuilder.entries(of: CheckpointFixtures.url("state_dict.pth"))
        for index in builder.entries.indices where builder.entries[index].name.contains("/data/") {
            builder.entries[index].contents = builder.entries[index].contents.prefix(2)
        }
        let url = try file("short-storages.pth", builder.build())
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        guard case .truncated? = error else { return XCTFail("got \(String(describing: error))") }
    }
}
