import Foundation
import XCTest
@testable import Torch

/// Emits pickle opcodes by hand, for shapes of checkpoint that PyTorch does not make on demand.
struct PickleWriter {
    private(set) var bytes: [UInt8] = [0x80, 0x02]

    mutating func raw(_ values: UInt8...) { bytes.append(contentsOf: values) }
    mutating func global(_ module: String, _ name: String) {
        bytes.append(0x63)
        bytes.append(contentsOf: Array("\(module)\n\(name)\n".utf8))
    }
    mutating func string(_ text: String) {
        bytes.append(0x58)
        withUnsafeBytes(of: UInt32(text.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array(text.utf8))
    }
    mutating func int(_ value: Int32) {
        bytes.append(0x4A)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func float(_ value: Double) {
        bytes.append(0x47)
        withUnsafeBytes(of: value.bitPattern.bigEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func ints(_ values: [Int32]) {
        mark()
        for value in values { int(value) }
        raw(0x74)
    }
    mutating func mark() { raw(0x28) }
    mutating func emptyDict() { raw(0x7D) }
    mutating func emptyTuple() { raw(0x29) }
    mutating func setItems() { raw(0x75) }
    mutating func reduce() { raw(0x52) }
    mutating func build() { raw(0x62) }
    mutating func stop() { raw(0x2E) }

    /// `collections.OrderedDict()`.
    mutating func orderedDict() {
        global("collections", "OrderedDict")
        emptyTuple()
        reduce()
    }

    /// `('storage', torch.<type>, key, 'cpu', count)` as a persistent id.
    mutating func storage(_ type: String, key: String, count: Int32) {
        mark()
        string("storage")
        global("torch", type)
        string(key)
        string("cpu")
        int(count)
        raw(0x74, 0x51)
    }

    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())`.
    mutating func tensor(_ type: String, key: String, count: Int32, offset: Int32, size: [Int32], stride: [Int32]) {
        global("torch._utils", "_rebuild_tensor_v2")
        mark()
        storage(type, key: key, count: count)
        int(offset)
        ints(size)
        ints(stride)
        raw(0x89)
        orderedDict()
        raw(0x74)
        reduce()
    }
}

/// The unpickler and the torch layer over it, on pickles built by hand.
final class PickleTests: XCTestCase {
    /// Writes a torch.save-style archive with this pickle and these storages; returns its URL.
    func archive(_ pickle: PickleWriter, storages: [String: Data], extra: [String: Data] = [:]) throws -> URL {
        var builder = ZipBuilder()
        builder.entries = [ZipBuilder.Entry(name: "archive/data.pkl", contents: Data(pickle.bytes))]
        for (key, data) in storages.sorted(by: { $0.key < $1.key }) {
            builder.entries.append(ZipBuilder.Entry(name: "archive/data/\(key)", contents: data))
        }
        for (name, data) in extra { builder.entries.append(ZipBuilder.Entry(name: "archive/\(name)", contents: data)) }
        builder.entries.append(ZipBuilder.Entry(name: "archive/version", contents: Data("3\n".utf8)))
        let url = try CheckpointFixtures.temporaryFolder(self).appendingPathComponent("handmade.pth")
        try builder.build().write(to: url)
        return url
    }

    private func floats(_ values: [Float]) -> Data {
        var data = Data()
        for value in values { data.appendLE(value.bitPattern) }
        return data
    }

    func testUnsupportedOpcodeReportsItsByteAndOffset() throws {
        var pickle = PickleWriter()
        pickle.emptyDict()
        pickle.raw(0x82, 0x01)        // EXT1: extension registry, never used by torch
        pickle.stop()
        let url = try archive(pickle, storages: [:])
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        XCTAssertEqual(error, .unsupportedOpcode(file: url.path, entry: "archive/data.pkl", opcode: 0x82, offset: 3))
        XCTAssertTrue(error?.errorDescription?.contains("0x82") == true)
    }

    func testPickleEndingWithoutStopIsTruncated() throws {
        var pickle = PickleWriter()
        pickle.emptyDict()
        let url = try archive(pickle, storages: [:])
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        guard case .truncated? = error else { return XCTFail("got \(String(describing: error))") }
    }

    func testUnknownGlobalsBecomeOpaqueWhileTensorsAndScalarsAreKept() throws {
        var pickle = PickleWriter()
        pickle.emptyDict()
        pickle.mark()
        pickle.string("model")
        pickle.orderedDict()
        pickle.mark()
        pickle.string("w")
        pickle.tensor("FloatStorage", key: "0", count: 3, offset: 0, size: [3], stride: [1])
        pickle.setItems()
        pickle.string("epoch")
        pickle.int(3)
        pickle.string("optimizer")                       // an object of a class the reader cannot know
        pickle.global("torch.optim.adamw", "AdamW")
        pickle.emptyTuple()
        pickle.raw(0x81)                                  // NEWOBJ
        pickle.string("scheduler")                        // a REDUCE of an unknown function with a BUILD state
        pickle.global("mylib.schedules", "make_schedule")
        pickle.mark(); pickle.int(1); pickle.raw(0x74)
        pickle.reduce()
        pickle.emptyDict()
        pickle.mark(); pickle.string("lr"); pickle.float(0.25); pickle.setItems()
        pickle.build()
        pickle.string("seed")
        pickle.raw(0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19)  // a 10-byte LONG1
        pickle.string("best")
        pickle.raw(0x88)                                  // True
        pickle.string("nothing")
        pickle.raw(0x4E)
        pickle.setItems()
        pickle.stop()
        let url = try archive(pickle, storages: ["0": floats([1, 2, 3])])
        let checkpoint = try CheckpointReader.read(url)
        XCTAssertEqual(checkpoint.names, ["model.w"])
        XCTAssertEqual(TensorValues.doubles(try XCTUnwrap(checkpoint["model.w"])), [1, 2, 3])
        XCTAssertEqual(checkpoint.metadata, ["epoch": "3", "scheduler.lr": "0.25", "best": "true"])
    }

    func testProtocolFourOpcodesFromTorchSave() throws {
        // protocol4.pth is plain_dict.pth pickled with FRAME, SHORT_BINUNICODE, MEMOIZE and STACK_GLOBAL.
        let fresh = try CheckpointReader.read(CheckpointFixtures.url("protocol4.pth"))
        let classic = try CheckpointReader.read(CheckpointFixtures.url("plain_dict.pth"))
        XCTAssertEqual(fresh.names, classic.names)
        for name in classic.names { XCTAssertEqual(fresh[name], classic[name], name) }
    }

    func testRebuildTensorV3ReadsAnUntypedStorageAsTheNamedDType() throws {
        var pickle = PickleWriter()
        pickle.emptyDict()
        pickle.string("t")
        pickle.global("torch._utils", "_rebuild_tensor_v3")
        pickle.mark()
        pickle.storage("UntypedStorage", key: "0", count: 16)
        pickle.int(1)
        pickle.ints([2])
        pickle.ints([1])
        pickle.raw(0x89)
        pickle.orderedDict()
        pickle.global("torch", "float32")
        pickle.raw(0x74)
        pickle.reduce()
        pickle.raw(0x73)                                  // SETITEM
        pickle.stop()
        let url = try archive(pickle, storages: ["0": floats([9, 8, 7, 6])])
        let tensor = try XCTUnwrap(try CheckpointReader.read(url)["t"])
        XCTAssertEqual(tensor.dtype, .f32)
        XCTAssertEqual(TensorValues.doubles(tensor), [8, 7])
    }

    func testWholePickledModuleYieldsStateDictNames() throws {
        // torch.save(model): copyreg._reconstructor + BUILD with the module's __dict__.
        func module(_ pickle: inout PickleWriter, parameters: (inout PickleWriter) -> Void,
                    buffers: (inout PickleWriter) -> Void, transient: [String], modules: (inout PickleWriter) -> Void) {
            pickle.global("copyreg", "_reconstructor")
            pickle.mark()
            pickle.global("__main__", "Net")
            pickle.global("builtins", "object")
            pickle.raw(0x4E, 0x74)
            pickle.reduce()
            pickle.emptyDict()
            pickle.mark()
            pickle.string("training"); pickle.raw(0x88)
            pickle.string("_parameters"); pickle.orderedDict(); pickle.mark(); parameters(&pickle); pickle.setItems()
            pickle.string("_buffers"); pickle.orderedDict(); pickle.mark(); buffers(&pickle); pickle.setItems()
            pickle.string("_non_persistent_buffers_set")
            pickle.global("builtins", "set")
            pickle.raw(0x5D); pickle.mark(); for name in transient { pickle.string(name) }; pickle.raw(0x65)
            pickle.raw(0x85); pickle.reduce()
            pickle.string("_modules"); pickle.orderedDict(); pickle.mark(); modules(&pickle); pickle.setItems()
            pickle.setItems()
            pickle.build()
        }
        var pickle = PickleWriter()
        module(&pickle, parameters: { p in
            p.string("weight")
            p.global("torch._utils", "_rebuild_parameter")
            p.mark()
            p.tensor("FloatStorage", key: "0", count: 4, offset: 0, size: [2, 2], stride: [1, 2])
            p.raw(0x88); p.orderedDict(); p.raw(0x74)
            p.reduce()
            p.string("bias"); p.raw(0x4E)
        }, buffers: { p in
            p.string("running"); p.tensor("FloatStorage", key: "0", count: 4, offset: 2, size: [2], stride: [1])
            p.string("scratch"); p.tensor("FloatStorage", key: "0", count: 4, offset: 0, size: [1], stride: [1])
        }, transient: ["scratch"], modules: { p in
            p.string("child")
            module(&p, parameters: { q in
                q.string("weight"); q.tensor("HalfStorage", key: "1", count: 1, offset: 0, size: [], stride: [])
            }, buffers: { _ in }, transient: [], modules: { _ in })
        })
        pickle.stop()
        var half = Data()
        half.appendLE(UInt16(0x3C00))                     // 1.0 in IEEE half
        let url = try archive(pickle, storages: ["0": floats([1, 2, 3, 4]), "1": half])
        let checkpoint = try CheckpointReader.read(url)
        XCTAssertEqual(checkpoint.names, ["child.weight", "running", "weight"])
        XCTAssertEqual(TensorValues.doubles(try XCTUnwrap(checkpoint["weight"])), [1, 3, 2, 4], "column-major view materialised row-major")
        XCTAssertEqual(TensorValues.doubles(try XCTUnwrap(checkpoint["running"])), [3, 4])
        XCTAssertEqual(checkpoint["child.weight"]?.shape, [])
        XCTAssertEqual(TensorValues.doubles(try XCTUnwrap(checkpoint["child.weight"])), [1])
    }

    func testViewReachingPastItsStorageIsRejectedByName() throws {
        var pickle = PickleWriter()
        pickle.emptyDict()
        pickle.string("too.far")
        pickle.tensor("FloatStorage", key: "0", count: 4, offset: 3, size: [2], stride: [1])
        pickle.raw(0x73)
        pickle.stop()
        let url = try archive(pickle, storages: ["0": floats([1, 2, 3, 4])])
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        guard case let .badTensor(_, tensor, _)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertEqual(tensor, "too.far")
    }

    func testCollidingDottedNamesAreReported() throws {
        var pickle = PickleWriter()
        pickle.emptyDict()
        pickle.mark()
        pickle.string("a.b")
        pickle.tensor("FloatStorage", key: "0", count: 1, offset: 0, size: [1], stride: [1])
        pickle.string("a")
        pickle.emptyDict()
        pickle.string("b")
        pickle.tensor("FloatStorage", key: "0", count: 1, offset: 0, size: [1], stride: [1])
        pickle.raw(0x73)
        pickle.setItems()
        pickle.stop()
        let url = try archive(pickle, storages: ["0": floats([1])])
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        XCTAssertEqual(error, .duplicateName(file: url.path, name: "a.b"))
    }

    func testBigEndianArchivesAreSwappedToLittleEndian() throws {
        var pickle = PickleWriter()
        pickle.emptyDict()
        pickle.string("x")
        pickle.tensor("FloatStorage", key: "0", count: 2, offset: 0, size: [2], stride: [1])
        pickle.raw(0x73)
        pickle.stop()
        var bigEndian = Data()
        for value: Float in [1.5, -2] { withUnsafeBytes(of: value.bitPattern.bigEndian) { bigEndian.append(contentsOf: $0) } }
        let url = try archive(pickle, storages: ["0": bigEndian], extra: ["byteorder": Data("big".utf8)])
        XCTAssertEqual(TensorValues.doubles(try XCTUnwrap(try CheckpointReader.read(url)["x"])), [1.5, -2])
    }

    func testSelfReferencingListDoesNotRecurseForever() throws {
        var pickle = PickleWriter()
        pickle.emptyDict()
        pickle.string("loop")
        pickle.raw(0x5D, 0x71, 0x00)                      // EMPTY_LIST, BINPUT 0
        pickle.raw(0x68, 0x00, 0x61)                      // BINGET 0, APPEND: the list contains itself
        pickle.raw(0x73)
        pickle.stop()
        let url = try archive(pickle, storages: [:])
        XCTAssertEqual(try CheckpointReader.read(url).names, [])
    }

    func testMemoReferenceToNothingIsMalformed() throws {
        var pickle = PickleWriter()
        pickle.raw(0x68, 0x07)                            // BINGET 7, never stored
        pickle.stop()
        let url = try archive(pickle, storages: [:])
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        XCTAssertEqual(error, .badPickle(file: url.path, entry: "archive/data.pkl", offset: 2, reason: "memo index 7 was never stored"))
    }

    func testLongIntegersDecodeTwosComplement() {
        XCTAssertEqual(Unpickler.integer(fromLittleEndian: []).intValue, 0)
        XCTAssertEqual(Unpickler.integer(fromLittleEndian: [0xFF]).intValue, -1)
        XCTAssertEqual(Unpickler.integer(fromLittleEndian: [0x00, 0x80]).intValue, -32768)
        XCTAssertEqual(Unpickler.integer(fromLittleEndian: [0xFF, 0x00]).intValue, 255)
        XCTAssertEqual(Unpickler.integer(fromLittleEndian: [0x01, 0, 0, 0, 0, 0, 0, 0x80]).intValue, Int.min + 1)
        XCTAssertNil(Unpickler.integer(fromLittleEndian: [UInt8](repeating: 1, count: 9)).intValue)
    }
}

extension PickleTests {
    func testQuantizedTensorsFailLoudlyInsteadOfVanishing() throws {
        var pickle = PickleWriter()
        pickle.emptyDict()
        pickle.string("fc.weight")
        pickle.global("torch._utils", "_rebuild_qtensor")
        pickle.mark()
        pickle.storage("QInt8Storage", key: "0", count: 4)
        pickle.raw(0x74)
        pickle.reduce()
        pickle.raw(0x73)
        pickle.stop()
        let url = try archive(pickle, storages: ["0": Data(count: 4)])
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        guard case let .unsupportedDType(_, tensor, dtype)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertEqual(tensor, "storage 0", "the QInt8 storage itself is refused first")
        XCTAssertTrue(dtype.contains("QInt8Storage"), dtype)
    }

    func testUnknownTensorRebuildFunctionsFailNamingTheTensor() throws {
        var pickle = PickleWriter()
        pickle.emptyDict()
        pickle.string("sparse")
        pickle.global("torch._utils", "_rebuild_sparse_tensor")
        pickle.mark()
        pickle.int(0)
        pickle.raw(0x74)
        pickle.reduce()
        pickle.raw(0x73)
        pickle.stop()
        let url = try archive(pickle, storages: [:])
        let error = assertCheckpointError(url) { try CheckpointReader.read(url) }
        guard case let .unsupportedDType(_, tensor, dtype)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertEqual(tensor, "sparse")
        XCTAssertTrue(dtype.contains("_rebuild_sparse_tensor"), dtype)
    }
}
