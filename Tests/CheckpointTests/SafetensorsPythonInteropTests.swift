import Foundation
import XCTest
@testable import Torch

/// A safetensors file written by Swift is read by an independent Python parser (struct + json + numpy) and matches.
final class SafetensorsPythonInteropTests: XCTestCase {
    /// Debian's interpreter, which has numpy (the pyenv python3 on PATH may not).
    private static let python = URL(fileURLWithPath: "/usr/bin/python3")

    private func requirePythonWithNumpy() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python.path) else {
            throw ReferenceUnavailable("/usr/bin/python3 is not installed")
        }
        guard try run(["-c", "import numpy"]).status == 0 else { throw ReferenceUnavailable("numpy is missing for /usr/bin/python3: apt-get install python3-numpy") }
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = Self.python
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// The description check_safetensors.py compares a file against.
    private func description(_ tensors: [CheckpointTensor], metadata: [String: String]) throws -> Data {
        let rows: [[String: Any]] = tensors.map { tensor in
            let values: [Any]
            switch tensor.dtype {
            case .f64, .f32, .f16, .bf16:
                // As strings: Swift's description is the shortest exact repr; JSONSerialization may round doubles.
                values = TensorValues.doubles(tensor).map { "\($0)" as Any }
            default:
                values = TensorValues.integers(tensor).map { $0 as Any }
            }
            return ["name": tensor.name, "dtype": tensor.dtype.rawValue, "shape": tensor.shape,
                    "hex": tensor.data.map { String(format: "%02x", $0) }.joined(), "values": values]
        }
        return try JSONSerialization.data(withJSONObject: ["metadata": metadata, "tensors": rows])
    }

    private func check(_ tensors: [CheckpointTensor], metadata: [String: String]) throws {
        try requirePythonWithNumpy()
        let folder = try CheckpointFixtures.temporaryFolder(self)
        let file = folder.appendingPathComponent("from-swift.safetensors")
        let expected = folder.appendingPathComponent("expected.json")
        try SafetensorsWriter.write(tensors, metadata: metadata, to: file)
        try description(tensors, metadata: metadata).write(to: expected)
        let script = CheckpointFixtures.url("check_safetensors.py").path
        let result = try run([script, file.path, expected.path])
        XCTAssertEqual(result.status, 0, "Python disagrees with the Swift-written file:\n\(result.output)")
    }

    func testPythonReadsEveryDTypeAndMetadataExactly() throws {
        try check(SafetensorsWriterTests.sampleTensors(), metadata: SafetensorsWriterTests.sampleMetadata)
    }

    func testPythonReadsAConvertedTorchScriptCheckpoint() throws {
        let checkpoint = try CheckpointReader.read(CheckpointFixtures.url("scripted.pt"))
        try check(Array(checkpoint.tensors.values), metadata: checkpoint.metadata)
    }

    func testThePythonCheckerNoticesADifference() throws {
        // Guards the guard: a file whose bytes differ from the description must fail the check.
        try requirePythonWithNumpy()
        let folder = try CheckpointFixtures.temporaryFolder(self)
        let file = folder.appendingPathComponent("x.safetensors")
        let expected = folder.appendingPathComponent("expected.json")
        let tensor = CheckpointTensor(name: "x", dtype: .i16, shape: [2], data: Data([1, 0, 2, 0]))
        try SafetensorsWriter.write([tensor], metadata: [:], to: file)
        var altered = tensor
        altered.data = Data([1, 0, 3, 0])
        try description([altered], metadata: [:]).write(to: expected)
        let result = try run([CheckpointFixtures.url("check_safetensors.py").path, file.path, expected.path])
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.output.contains("x: bytes differ"), result.output)
    }
}

/// The Python reference is not installed: a failure, not a skip (`make bootstrap` installs it).
struct ReferenceUnavailable: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
