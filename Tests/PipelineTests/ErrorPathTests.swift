import Foundation
import TestSupport
import XCTest

/// Errors a user can trigger name the file or folder and what to do, never a bare Foundation sentence.
final class ErrorPathTests: XCTestCase {
    /// A folder nobody may write to: a read-only tmpfs as root (root ignores permission bits), else mode 0555.
    private func readOnlyFolder(_ root: URL) throws -> URL {
        let folder = root.appendingPathComponent("read-only-cache")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if getuid() == 0 {
            let mount = try TestSupport.run("/bin/mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", folder.path])
            XCTAssertEqual(mount.status, 0, mount.stderr)
            addTeardownBlock { _ = try? TestSupport.run("/bin/umount", ["-l", folder.path]) }
        } else {
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder.path)
        }
        return folder
    }

    func testAReadOnlyCacheAndAnUncreatableOutputFolderAreNamed() throws {
        let root = try TestSupport.temporaryFolder("vimo-errors")
        defer { try? FileManager.default.removeItem(at: root) }
        let dataset = root.appendingPathComponent("dataset")
        let synth = try TestSupport.run(TestSupport.product("vimo-synth"), ["--out", dataset.path, "--clips", "2", "--frames", "4",
                                                                            "--width", "64", "--height", "48"])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        let cache = try readOnlyFolder(root)
        let pipeline = TestSupport.repositoryRoot.appendingPathComponent("pipelines/demo.yaml").path
        let run = try TestSupport.run(TestSupport.product("vimo"), ["run", pipeline, "--cache", cache.path, "--set", "dataset=\(dataset.path)"])
        let output = String(decoding: run.stdout, as: UTF8.self) + run.stderr
        XCTAssertEqual(run.status, 2, output)
        XCTAssertTrue(output.contains(cache.path), output)
        XCTAssertTrue(output.contains("Read-only file system") || output.contains("Permission denied"), output)
        XCTAssertFalse(output.contains("The operation could not be completed"), output)

        let decode = try TestSupport.run(TestSupport.product("vimo-decode"), ["--dataset", dataset.path, "--out", "/proc/vimo-x/decode"])
        XCTAssertEqual(decode.status, 2, decode.stderr)
        XCTAssertTrue(decode.stderr.contains("cannot create the output folder /proc/vimo-x/decode: "), decode.stderr)
    }
}
