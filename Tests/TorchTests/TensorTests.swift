import Foundation
import TestSupport
import Torch
import XCTest

/// Known values, conversions and error paths.
final class TensorTests: XCTestCase {
    func testArithmeticBroadcastingAndReductionsByHand() throws {
        let a = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        let row = try Tensor([10, 20, 30] as [Float])
        XCTAssertEqual(try (a + row).toArray(Float.self), [11, 22, 33, 14, 25, 36])
        XCTAssertEqual(try (2 - a).toArray(Float.self), [1, 0, -1, -2, -3, -4])
        XCTAssertEqual(try a.sum([1]).toArray(Float.self), [6, 15])
        XCTAssertEqual(try a.mean().item(), 3.5)
        XCTAssertEqual(try a.max([0]).toArray(Float.self), [4, 5, 6])
        XCTAssertEqual(try F.matmul(a, a.transposed(0, 1)).toArray(Float.self), [14, 32, 32, 77])
        XCTAssertEqual(try a.slice(1, 1, 3).toArray(Float.self), [2, 3, 5, 6])
        XCTAssertEqual(try a.select(0, 1).toArray(Float.self), [4, 5, 6])
        XCTAssertEqual(try Tensor.cat([a, a], dim: 0).shape, [4, 3])
        XCTAssertEqual(try Tensor.stack([a, a], dim: 1).shape, [2, 2, 3])
        XCTAssertEqual(try a.reshaped([3, 2]).permuted([1, 0]).shape, [2, 3])
        XCTAssertEqual(try a.variance([1]).toArray(Float.self), [2.0 / 3, 2.0 / 3])
        let sm = try F.softmax(Tensor([0, Float(Foundation.log(3.0))]), dim: 0).toArray(Float.self)
        XCTAssertEqual(sm[0], 0.25, accuracy: 1e-6)
        XCTAssertEqual(sm[1], 0.75, accuracy: 1e-6)
    }

    func testDtypesRoundTrip() throws {
        XCTAssertEqual(try Tensor([1, -2, 3] as [Int64]).toArray(Int64.self), [1, -2, 3])
        XCTAssertEqual(try Tensor([true, false] as [Bool]).toArray(Bool.self), [true, false])
        XCTAssertEqual(try Tensor([0, 255] as [UInt8]).toArray(UInt8.self), [0, 255])
        let half = try Tensor([0.1, 65504, -2] as [Float]).to(.float16)
        XCTAssertEqual(half.dtype, .float16)
        XCTAssertEqual(try half.toArray(Float16.self), [Float16(0.1), 65504, -2])
        let bf = try Tensor([1.0, 3.140625] as [Float]).to(.bfloat16)
        XCTAssertEqual(try bf.toArray(Float.self), [1.0, 3.140625])
        let bytes: [UInt8] = [0, 0, 128, 63, 0, 0, 0, 64]  // 1.0f, 2.0f little-endian
        let t = try bytes.withUnsafeBytes { try Tensor(bytes: $0, shape: [2], dtype: .float32) }
        XCTAssertEqual(try t.toArray(Float.self), [1, 2])
        XCTAssertEqual(try t.bytes(), bytes, "bytes() gives the row-major little-endian layout back")
        XCTAssertEqual(try t.transposed(0, 0).to(.float16).bytes(), [0, 0x3C, 0, 0x40], "1.0 and 2.0 as IEEE half")
    }

    func testSeedMakesRandomnessRepeatable() throws {
        Torch.seed(7)
        let a = try Tensor.randn([5]).toArray(Float.self)
        Torch.seed(7)
        XCTAssertEqual(try Tensor.randn([5]).toArray(Float.self), a)
        XCTAssertNotEqual(try Tensor.randn([5]).toArray(Float.self), a)
    }

    func testThreadsAreSetFromTheMachine() {
        XCTAssertEqual(Torch.threads, Int(ProcessInfo.processInfo.environment["VIMO_THREADS"] ?? "")
                       ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    func testShapeMismatchIsASwiftErrorWithLibtorchsMessage() throws {
        let a = try Tensor.zeros([2, 3]), b = try Tensor.zeros([4, 5])
        XCTAssertThrowsError(try F.matmul(a, b)) { error in
            guard case TorchError.libtorch(let op, let message)? = error as? TorchError else { return XCTFail("\(error)") }
            XCTAssertTrue(op.contains("matmul"))
            XCTAssertTrue(message.contains("cannot be multiplied"), message)
        }
        XCTAssertThrowsError(try a + b)
        XCTAssertThrowsError(try a.reshaped([7]))
        XCTAssertThrowsError(try Tensor([1, 2, 3] as [Float], shape: [2, 2]))
    }

    func testWrongDtypeIsAnError() throws {
        let ints = try Tensor([1, 2, 3, 4] as [Int64], shape: [2, 2])
        XCTAssertThrowsError(try F.linear(ints, Tensor.zeros([2, 2]))) { error in
            XCTAssertTrue(error.localizedDescription.contains("linear"), error.localizedDescription)
        }
        XCTAssertThrowsError(try F.softmax(ints, dim: 0))
    }
}
