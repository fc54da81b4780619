import Foundation
import TestSupport
import XCTest

/// `vimo status` says which input file changed, as it does for params.
final class InputChangeTests: XCTestCase {
    func testAChangedWeightsFileIsNamed() throws {
        let folder = try TestSupport.temporaryFolder("vimo-inputs")
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = folder.appendingPathComponent("ok.sh")
        try "#!/bin/sh\nwhile [ \"$1\" != \"--out\" ]; do shift; done; mkdir -p \"$2\"; echo made > \"$2/done\"\n"
            .write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let weights = folder.appendingPathComponent("teacher.pt")
        try Data("w1".utf8).write(to: weights)
        let pipeline = folder.appendingPathComponent("p.yaml")
        try """
        stages:
          train: {run: \(script.path), version: "1", inputs: {weights: \(weights.path)}, params: {lr: 0.1}}
        """.write(to: pipeline, atomically: true, encoding: .utf8)
        let vimo = { (command: String) throws -> (Int32, String) in
            let result = try TestSupport.run(TestSupport.product("vimo"), [command, pipeline.path, "--cache", folder.appendingPathComponent("cache").path])
            return (result.status, String(decoding: result.stdout, as: UTF8.self) + result.stderr)
        }
        XCTAssertEqual(try vimo("run").0, 0)
        XCTAssertEqual(try vimo("status").0, 0)
        try Data("w2".utf8).write(to: weights)
        let (status, text) = try vimo("status")
        XCTAssertEqual(status, 1, text)
        XCTAssertTrue(text.contains("weights: teacher.pt changed"), text)
        XCTAssertFalse(text.contains("inputs changed"), text)
    }
}
