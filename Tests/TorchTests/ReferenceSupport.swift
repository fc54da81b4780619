import Foundation
import TestSupport
import Torch
import XCTest

/// Values PyTorch computed (Tests/TorchTests/Fixtures/make_reference.py, run once per test process
/// with Debian's python3-torch), loaded as tensors by name.
final class Reference {
    static let shared: Result<Reference, Error> = Result { try Reference() }

    let entries: [String: (shape: [Int], dtype: String, offset: Int, bytes: Int)]
    let blob: Data

    private init() throws {
        let folder = try TestSupport.temporaryFolder("torch-reference")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/make_reference.py")
        let result = try TestSupport.run("/usr/bin/python3", [script.path, folder.path])
        guard result.status == 0 else {
            throw TorchError.invalidArgument("make_reference.py failed (is python3-torch installed? run `make bootstrap`): \(result.stderr)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("reference.json"))) as! [String: Any]
        var entries: [String: (shape: [Int], dtype: String, offset: Int, bytes: Int)] = [:]
        for (name, value) in json["entries"] as! [String: [String: Any]] {
            entries[name] = (value["shape"] as! [Int], value["dtype"] as! String, value["offset"] as! Int, value["bytes"] as! Int)
        }
        self.entries = entries
        blob = try Data(contentsOf: folder.appendingPathComponent("reference.bin"))
    }

    subscript(_ name: String) -> Tensor {
        guard let e = entries[name] else { fatalError("no reference value \(name)") }
        let dtype: DType = e.dtype == "f32" ? .float32 : e.dtype == "i64" ? .int64 : .bool
        return blob.subdata(in: e.offset..<(e.offset + e.bytes)).withUnsafeBytes { raw in
            try! Tensor(bytes: raw, shape: e.shape, dtype: dtype)
        }
    }
}

/// Asserts two float tensors have the same shape and agree within `tolerance` (max abs difference).
func assertClose(_ a: Tensor, _ b: Tensor, tolerance: Float = 1e-5, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) throws {
    XCTAssertEqual(a.shape, b.shape, "shape " + message, file: file, line: line)
    guard a.shape == b.shape else { return }
    let x = try a.toArray(Float.self), y = try b.toArray(Float.self)
    let worst = zip(x, y).map { Swift.abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst, tolerance, "max abs difference \(worst) " + message, file: file, line: line)
}
