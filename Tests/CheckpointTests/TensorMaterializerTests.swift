import Foundation
import XCTest
@testable import Torch

/// Strided views become the right contiguous bytes.
final class TensorMaterializerTests: XCTestCase {
    private func storage(_ count: Int) -> TorchStorage {
        var data = Data()
        for value in 0 ..< count { data.appendLE(Float(value).bitPattern) }
        return TorchStorage(key: "0", dtype: .f32, bytes: data)
    }

    private func values(_ view: TorchTensorView) throws -> [Double] {
        TensorValues.doubles(try TensorMaterializer.materialize(view, name: "v", file: "test", bigEndian: false))
    }

    func testPermutedThreeDimensionalView() throws {
        // A 2×3×4 tensor stored contiguously, viewed as permute(2, 0, 1): shape 4×2×3, strides (1, 12, 4).
        let view = TorchTensorView(storage: storage(24), dtype: .f32, offset: 0, shape: [4, 2, 3], strides: [1, 12, 4])
        var expected: [Double] = []
        for k in 0 ..< 4 { for i in 0 ..< 2 { for j in 0 ..< 3 { expected.append(Double(i * 12 + j * 4 + k)) } } }
        XCTAssertEqual(try values(view), expected)
    }

    func testExpandedViewWithZeroStride() throws {
        let view = TorchTensorView(storage: storage(3), dtype: .f32, offset: 1, shape: [2, 2], strides: [0, 1])
        XCTAssertEqual(try values(view), [1, 2, 1, 2])
    }

    func testRowSliceWithOffsetIsContiguousCopy() throws {
        let view = TorchTensorView(storage: storage(12), dtype: .f32, offset: 4, shape: [2, 4], strides: [4, 1])
        XCTAssertTrue(TensorMaterializer.isContiguous(shape: [2, 4], strides: [4, 1]))
        XCTAssertEqual(try values(view), [4, 5, 6, 7, 8, 9, 10, 11])
    }

    func testEmptyTensorHasNoBytes() throws {
        let view = TorchTensorView(storage: storage(0), dtype: .f32, offset: 0, shape: [0, 3], strides: [3, 1])
        let tensor = try TensorMaterializer.materialize(view, name: "e", file: "test", bigEndian: false)
        XCTAssertEqual(tensor.data.count, 0)
        XCTAssertEqual(tensor.shape, [0, 3])
    }
}
