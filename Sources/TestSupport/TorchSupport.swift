import Foundation
import Torch
import XCTest

extension Tensor {
    /// A tensor from a reference-script array.
    public static func from(_ entry: NamedArrays.Entry) throws -> Tensor {
        let dtype: DType = entry.dtype == "f32" ? .float32 : entry.dtype == "i64" ? .int64 : .bool
        return try entry.data.withUnsafeBytes { raw in try Tensor(bytes: raw, shape: entry.shape, dtype: dtype) }
    }
}

/// Asserts two float tensors have the same shape and agree within `tolerance` (max abs difference).
public func assertClose(_ a: Tensor, _ b: Tensor, tolerance: Float = 1e-5, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) throws {
    XCTAssertEqual(a.shape, b.shape, "shape " + message, file: file, line: line)
    guard a.shape == b.shape else { return }
    let x = try a.toArray(Float.self), y = try b.toArray(Float.self)
    let worst = zip(x, y).map { Swift.abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst, tolerance, "max abs difference \(worst) " + message, file: file, line: line)
}
