import Core
import Foundation
import XCTest
@testable import Torch

/// The committed fixtures (made by Fixtures/make_fixtures.py) and their expected contents.
enum CheckpointFixtures {
    /// The Fixtures folder next to this file.
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// A fixture file by name.
    static func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    /// One element value from expected.json. JSONDecoder is used because JSONSerialization on Linux hands back
    /// NSDecimalNumbers whose doubleValue is off by a few ulps; non-finite floats are written as strings.
    struct Value: Decodable {
        let double: Double
        let integer: Int64?

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                double = Double(text) ?? .nan
                integer = nil
            } else {
                double = try container.decode(Double.self)
                integer = try? container.decode(Int64.self)
            }
        }
    }

    /// One tensor row of expected.json.
    struct Row: Decodable {
        var name: String
        let dtype: String
        let shape: [Int]
        let values: [Value]
    }

    /// What expected.json says about one fixture.
    struct Expectation: Decodable {
        let format: String
        let metadata: [String: String]
        var tensors: [Row]?
        let attributes: [Row]?
        let tensors_of: String?
        let prefix: String?
    }

    /// expected.json, parsed.
    static let expected: [String: Expectation] = {
        let data = try! Data(contentsOf: url("expected.json"))
        return try! JSONDecoder().decode([String: Expectation].self, from: data)
    }()

    /// The expectation for a fixture, resolving `tensors_of` + `prefix` references.
    static func expectation(_ fixture: String) -> Expectation {
        var entry = expected[fixture]!
        if let source = entry.tensors_of, let prefix = entry.prefix {
            entry.tensors = expectation(source).tensors!.map { row in
                var renamed = row
                renamed.name = prefix + row.name
                return renamed
            }
        }
        return entry
    }

    /// A fresh temporary folder, removed when the test ends.
    static func temporaryFolder(_ test: XCTestCase) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("checkpoints-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }
}

/// Element values of a tensor's bytes: floats widened exactly to Double, integers and bools to Int64.
enum TensorValues {
    /// Float elements as Double (exact for every float dtype).
    static func doubles(_ tensor: CheckpointTensor) -> [Double] {
        let data = tensor.data
        let count = tensor.elementCount
        switch tensor.dtype {
        case .f64: return (0 ..< count).map { Double(bitPattern: data.littleEndian(UInt64.self, at: $0 * 8)) }
        case .f32: return (0 ..< count).map { Double(Float(bitPattern: data.littleEndian(UInt32.self, at: $0 * 4))) }
        case .f16: return (0 ..< count).map { Double(float16Bits: data.littleEndian(UInt16.self, at: $0 * 2)) }
        case .bf16: return (0 ..< count).map { Double(Float(bitPattern: UInt32(data.littleEndian(UInt16.self, at: $0 * 2)) << 16)) }
        default: return integers(tensor).map(Double.init)
        }
    }

    /// Integer (and bool) elements as Int64.
    static func integers(_ tensor: CheckpointTensor) -> [Int64] {
        let data = tensor.data
        return (0 ..< tensor.elementCount).map { index -> Int64 in
            switch tensor.dtype {
            case .i64: return data.littleEndian(Int64.self, at: index * 8)
            case .i32: return Int64(data.littleEndian(Int32.self, at: index * 4))
            case .i16: return Int64(data.littleEndian(Int16.self, at: index * 2))
            case .i8: return Int64(data.littleEndian(Int8.self, at: index))
            case .u8, .bool: return Int64(data.littleEndian(UInt8.self, at: index))
            default: return 0
            }
        }
    }
}

extension Double {
    /// Decodes IEEE half-precision bits without relying on the platform's Float16 support.
    init(float16Bits bits: UInt16) {
        let sign: Double = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int((bits >> 10) & 0x1F)
        let fraction = Double(bits & 0x3FF)
        switch exponent {
        case 0: self = sign * fraction * 0x1p-24
        case 31: self = fraction == 0 ? sign * .infinity : .nan
        default: self = sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}

/// Asserts that a tensor read by Swift matches a row of expected.json exactly (dtype, shape, size, every value's bits).
func assertMatches(_ tensor: CheckpointTensor?, _ row: CheckpointFixtures.Row, fixture: String,
                   file: StaticString = #filePath, line: UInt = #line) {
    guard let tensor else {
        XCTFail("\(fixture): tensor '\(row.name)' is missing", file: file, line: line)
        return
    }
    let name = row.name
    XCTAssertEqual(tensor.name, name, file: file, line: line)
    XCTAssertEqual(tensor.dtype.rawValue, row.dtype, "\(fixture): dtype of \(name)", file: file, line: line)
    XCTAssertEqual(tensor.shape, row.shape, "\(fixture): shape of \(name)", file: file, line: line)
    XCTAssertEqual(tensor.data.count, tensor.elementCount * tensor.dtype.byteSize, "\(fixture): byte count of \(name)", file: file, line: line)
    switch tensor.dtype {
    case .f64, .f32, .f16, .bf16:
        XCTAssertEqual(TensorValues.doubles(tensor).map(\.bitPattern), row.values.map(\.double.bitPattern),
                       "\(fixture): values of \(name)", file: file, line: line)
    default:
        XCTAssertEqual(TensorValues.integers(tensor), row.values.map { $0.integer ?? Int64.min },
                       "\(fixture): values of \(name)", file: file, line: line)
    }
}

/// Asserts that `body` throws a `CheckpointError` about `url` and returns it for further checks.
@discardableResult
func assertCheckpointError<T>(_ url: URL, file: StaticString = #filePath, line: UInt = #line,
                              _ body: () throws -> T) -> CheckpointError? {
    do {
        _ = try body()
        XCTFail("expected a CheckpointError about \(url.lastPathComponent)", file: file, line: line)
        return nil
    } catch let error as CheckpointError {
        XCTAssertEqual(error.file, url.path, "the error names the file", file: file, line: line)
        XCTAssertTrue(error.errorDescription?.contains(url.lastPathComponent) == true,
                      "message '\(error.errorDescription ?? "")' names the file", file: file, line: line)
        return error
    } catch {
        XCTFail("expected a CheckpointError, got \(error)", file: file, line: line)
        return nil
    }
}
