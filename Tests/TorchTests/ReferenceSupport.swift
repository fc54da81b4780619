import Foundation
import TestSupport
import Torch
import XCTest

/// Values PyTorch computed (Tests/TorchTests/Fixtures/make_reference.py, run once per test process
/// with Debian's python3-torch), loaded as tensors by name.
final class Reference {
    static let shared: Result<Reference, Error> = Result { try Reference() }

    let arrays: NamedArrays

    private init() throws {
        let folder = try TestSupport.temporaryFolder("torch-reference")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/make_reference.py")
        let result = try TestSupport.run("/usr/bin/python3", [script.path, folder.path])
        guard result.status == 0 else {
            throw TorchError.invalidArgument("make_reference.py failed (is python3-torch installed? run `make bootstrap`): \(result.stderr)")
        }
        arrays = try NamedArrays(base: folder.appendingPathComponent("reference"))
    }

    subscript(_ name: String) -> Tensor {
        guard let e = arrays.entries[name] else { fatalError("no reference value \(name)") }
        return try! Tensor.from(e)
    }
}

