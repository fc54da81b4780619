import Core
import Foundation
import XCTest
@testable import Torch

/// SafetensorsWriter: what it writes reads back exactly, in the layout the specification asks for, atomically.
final class SafetensorsWriterTests: XCTestCase {
    /// One tensor of every dtype, plus a scalar and an empty tensor, with recognisable bytes.
    static func sampleTensors() -> [CheckpointTensor] {
        var tensors: [CheckpointTensor] = []
        for (index, dtype) in CheckpointDType.allCases.enumerated() {
            let shape = [2, 3]
            let count = shape.reduce(1, *) * dtype.byteSize
            var bytes = Data((0 ..< count).map { UInt8(truncatingIfNeeded: $0 * 37 + index * 11 + 1) })
            if dtype == .bool { bytes = Data((0 ..< count).map { UInt8($0 % 2) }) }
            if dtype == .f16 || dtype == .bf16 {
                // Keep half floats finite: clear the top exponent bit of each element.
                for element in stride(from: 1, to: count, by: 2) { bytes[element] &= 0x3F }
            }
            tensors.append(CheckpointTensor(name: "layer.\(dtype.rawValue)", dtype: dtype, shape: shape, data: bytes))
        }
        var scalar = Data()
        scalar.appendLE(Float(4.5).bitPattern)
        tensors.append(CheckpointTensor(name: "logit_scale", dtype: .f32, shape: [], data: scalar))
        tensors.append(CheckpointTensor(name: "empty", dtype: .f16, shape: [0, 4], data: Data()))
        tensors.append(CheckpointTensor(name: "a odd \"name\" ü", dtype: .u8, shape: [3], data: Data([1, 2, 3])))
        return tensors
    }

    static let sampleMetadata = ["format": "pt", "note": "line one\nline \"two\"\t\\ ünïcode", "empty": ""]

    func testRoundTripKeepsEveryDTypeShapeByteAndMetadata() throws {
        let url = try CheckpointFixtures.temporaryFolder(self).appendingPathComponent("round.safetensors")
        let tensors = Self.sampleTensors()
        try SafetensorsWriter.write(tensors, metadata: Self.sampleMetadata, to: url)
        let checkpoint = try CheckpointReader.read(url)
        XCTAssertEqual(checkpoint.format, .safetensors)
        XCTAssertEqual(checkpoint.metadata, Self.sampleMetadata)
        XCTAssertEqual(checkpoint.names, tensors.map(\.name).sorted())
        for tensor in tensors { XCTAssertEqual(checkpoint[tensor.name], tensor, tensor.name) }
    }

    func testLayoutIsAlignedSortedAndGapless() throws {
        let url = try CheckpointFixtures.temporaryFolder(self).appendingPathComponent("layout.safetensors")
        let tensors = Self.sampleTensors()
        try SafetensorsWriter.write(tensors.reversed(), metadata: ["k": "v"], to: url)
        let bytes = try Data(contentsOf: url)
        let headerSize = Int(bytes.littleEndian(UInt64.self, at: 0))
        XCTAssertEqual((8 + headerSize) % 8, 0, "data section starts 8-byte aligned")
        let header = String(decoding: bytes.subdata(in: 8 ..< 8 + headerSize), as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{\"__metadata__\":{\"k\":\"v\"}"))
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any])
        var expectedOffset = 0
        for tensor in tensors.sorted(by: { $0.name < $1.name }) {
            let entry = try XCTUnwrap(json[tensor.name] as? [String: Any], tensor.name)
            let offsets = try XCTUnwrap(entry["data_offsets"] as? [NSNumber]).map(\.intValue)
            XCTAssertEqual(offsets, [expectedOffset, expectedOffset + tensor.data.count], "\(tensor.name) follows the previous name")
            expectedOffset += tensor.data.count
        }
        XCTAssertEqual(bytes.count, 8 + headerSize + expectedOffset, "no trailing bytes")
        XCTAssertEqual(header.last, " ", "padding is spaces")
    }

    func testEmptyMetadataIsOmitted() throws {
        let url = try CheckpointFixtures.temporaryFolder(self).appendingPathComponent("plain.safetensors")
        try SafetensorsWriter.write([CheckpointTensor(name: "x", dtype: .u8, shape: [1], data: Data([7]))], to: url)
        let bytes = try Data(contentsOf: url)
        let header = String(decoding: bytes.subdata(in: 8 ..< 8 + Int(bytes.littleEndian(UInt64.self, at: 0))), as: UTF8.self)
        XCTAssertFalse(header.contains("__metadata__"))
        XCTAssertEqual(try CheckpointReader.read(url).metadata, [:])
    }

    func testReplacingAFileLeavesNoTemporaryFiles() throws {
        let folder = try CheckpointFixtures.temporaryFolder(self)
        let url = folder.appendingPathComponent("model.safetensors")
        try Data("old contents".utf8).write(to: url)
        try SafetensorsWriter.write(Self.sampleTensors(), metadata: [:], to: url)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["model.safetensors"])
        XCTAssertEqual(try CheckpointReader.read(url).names.count, Self.sampleTensors().count)
    }

    func testInvalidTensorsAreRejectedBeforeAnythingIsWritten() throws {
        let folder = try CheckpointFixtures.temporaryFolder(self)
        let url = folder.appendingPathComponent("bad.safetensors")
        let short = CheckpointTensor(name: "w", dtype: .f32, shape: [2, 2], data: Data(count: 12))
        let error = assertCheckpointError(url) { try SafetensorsWriter.write([short], metadata: [:], to: url) }
        XCTAssertEqual(error, .sizeMismatch(file: url.path, tensor: "w", expectedBytes: 16, actualBytes: 12))

        let twice = CheckpointTensor(name: "w", dtype: .u8, shape: [1], data: Data([1]))
        let duplicate = assertCheckpointError(url) { try SafetensorsWriter.write([twice, twice], metadata: [:], to: url) }
        XCTAssertEqual(duplicate, .duplicateName(file: url.path, name: "w"))

        let reserved = CheckpointTensor(name: "__metadata__", dtype: .u8, shape: [1], data: Data([1]))
        assertCheckpointError(url) { try SafetensorsWriter.write([reserved], metadata: [:], to: url) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }

    func testUnwritableDestinationIsReported() throws {
        let url = try CheckpointFixtures.temporaryFolder(self).appendingPathComponent("no/such/folder/x.safetensors")
        let error = assertCheckpointError(url) { try SafetensorsWriter.write(Self.sampleTensors(), metadata: [:], to: url) }
        guard case .cannotAccess? = error else { return XCTFail("got \(String(describing: error))") }
    }

    func testFixtureSurvivesReadWriteRead() throws {
        let original = try CheckpointReader.read(CheckpointFixtures.url("scripted.pt"))
        let url = try CheckpointFixtures.temporaryFolder(self).appendingPathComponent("converted.safetensors")
        try SafetensorsWriter.write(Array(original.tensors.values), metadata: original.metadata, to: url)
        let converted = try CheckpointReader.read(url)
        XCTAssertEqual(converted.names, original.names)
        for name in original.names { XCTAssertEqual(converted[name], original[name], name) }
        XCTAssertEqual(converted.metadata, original.metadata)
    }
}
