import CVision
import XCTest

/// The C shim on its own: every bad argument is a status code with a message, never a crash,
/// because Swift is not the only possible caller.
final class CVisionShimTests: XCTestCase {
    private func lastError() -> String { String(cString: vv_last_error()) }

    private func makeDIS(_ preset: Int32 = Int32(VV_PRESET_ULTRAFAST)) throws -> vv_dis {
        var handle: vv_dis?
        XCTAssertEqual(vv_dis_create(preset, &handle), Int32(VV_OK))
        return try XCTUnwrap(handle)
    }

    func testUnknownPresetIsAnArgumentError() {
        var handle: vv_dis?
        XCTAssertEqual(vv_dis_create(7, &handle), Int32(VV_E_ARGUMENT))
        XCTAssertNil(handle)
        XCTAssertTrue(lastError().contains("unknown DIS preset 7"), lastError())
        XCTAssertEqual(vv_dis_create(Int32(VV_PRESET_FAST), nil), Int32(VV_E_ARGUMENT))
    }

    func testEveryBufferSizeIsChecked() throws {
        let dis = try makeDIS()
        defer { vv_dis_free(dis) }
        let frame = [UInt8](repeating: 100, count: 16 * 16 * 3)
        var out = [Float](repeating: 0, count: 2 * 16 * 16)
        func call(_ fromBytes: Int, _ toBytes: Int, _ width: Int32, _ height: Int32, _ outCount: Int) -> Int32 {
            frame.withUnsafeBufferPointer { f in
                out.withUnsafeMutableBufferPointer { o in
                    vv_dis_flow(dis, f.baseAddress, fromBytes, f.baseAddress, toBytes, width, height, o.baseAddress,
                                outCount)
                }
            }
        }
        XCTAssertEqual(call(768, 768, 16, 16, 512), Int32(VV_OK))
        XCTAssertEqual(call(767, 768, 16, 16, 512), Int32(VV_E_ARGUMENT))
        XCTAssertTrue(lastError().contains("first frame has 767 bytes"), lastError())
        XCTAssertEqual(call(768, 769, 16, 16, 512), Int32(VV_E_ARGUMENT))
        XCTAssertTrue(lastError().contains("second frame has 769 bytes"), lastError())
        XCTAssertEqual(call(768, 768, 16, 16, 511), Int32(VV_E_ARGUMENT))
        XCTAssertTrue(lastError().contains("output holds 511 floats"), lastError())
        XCTAssertEqual(call(768, 768, 0, 16, 0), Int32(VV_E_ARGUMENT))
        XCTAssertEqual(call(768, 768, -16, -16, 512), Int32(VV_E_ARGUMENT))
        XCTAssertEqual(call(768, 768, Int32.max, Int32.max, 512), Int32(VV_E_ARGUMENT))
        XCTAssertTrue(lastError().contains("too large"), lastError())
    }

    func testNullPointersAreArgumentErrors() throws {
        var out = [Float](repeating: 0, count: 512)
        let frame = [UInt8](repeating: 100, count: 768)
        let status = frame.withUnsafeBufferPointer { f in
            out.withUnsafeMutableBufferPointer { o in
                vv_dis_flow(nil, f.baseAddress, 768, f.baseAddress, 768, 16, 16, o.baseAddress, 512)
            }
        }
        XCTAssertEqual(status, Int32(VV_E_ARGUMENT))
        let dis = try makeDIS()
        defer { vv_dis_free(dis) }
        let noFrame = out.withUnsafeMutableBufferPointer { o in
            vv_dis_flow(dis, nil, 768, nil, 768, 16, 16, o.baseAddress, 512)
        }
        XCTAssertEqual(noFrame, Int32(VV_E_ARGUMENT))
        vv_dis_free(nil)  // ignored
    }

    func testOpenCVExceptionsBecomeStatusCodes() throws {
        let dis = try makeDIS(Int32(VV_PRESET_MEDIUM))
        defer { vv_dis_free(dis) }
        let frame = [UInt8](repeating: 100, count: 4 * 4 * 3)
        var out = [Float](repeating: 0, count: 32)
        let status = frame.withUnsafeBufferPointer { f in
            out.withUnsafeMutableBufferPointer { o in
                vv_dis_flow(dis, f.baseAddress, 48, f.baseAddress, 48, 4, 4, o.baseAddress, 32)
            }
        }
        XCTAssertEqual(status, Int32(VV_E_OPENCV))
        XCTAssertTrue(lastError().hasPrefix("vv_dis_flow: OpenCV("), lastError())
    }

    func testLastErrorIsPerThread() throws {
        var handle: vv_dis?
        XCTAssertEqual(vv_dis_create(9, &handle), Int32(VV_E_ARGUMENT))
        let mine = lastError()
        final class Box: @unchecked Sendable { var text = "unset" }
        let seen = Box()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            seen.text = String(cString: vv_last_error())
            done.signal()
        }
        thread.start()
        done.wait()
        XCTAssertEqual(seen.text, "", "another thread has no error of its own")
        XCTAssertEqual(lastError(), mine)
    }
}
