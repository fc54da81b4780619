import Foundation
import Pipeline
import Store
import TestSupport
import XCTest

/// A full disk (or a file-size limit) stops a run cleanly: one clear line naming the folder, the run
/// recorded, the locks released, nothing committed lost; after space is freed the rerun finishes with
/// exactly the results of an uninterrupted run.
final class DiskFullTests: XCTestCase {
    /// Mounts a 10 MB tmpfs over the fixture's cache (as root), so the decode stage fills it; nil when
    /// mounting is not possible here (then a file-size limit stands in).
    private func smallFilesystem(_ fixture: PipelineFixture) throws -> URL? {
        guard getuid() == 0 else { return nil }
        try FileManager.default.createDirectory(at: fixture.cache, withIntermediateDirectories: true)
        let mount = try TestSupport.run("/bin/mount", ["-t", "tmpfs", "-o", "size=10m", "tmpfs", fixture.cache.path])
        guard mount.status == 0 else { return nil }
        addTeardownBlock { _ = try? TestSupport.run("/bin/umount", ["-l", fixture.cache.path]) }
        return fixture.cache
    }

    func testAFullDiskStopsTheRunCleanlyAndTheRerunAfterFreeingSpaceMatchesAnUninterruptedRun() throws {
        // Raw storage: the sizes below are those of uncompressed frames (the default zstd would fit them in 10 MB).
        let reference = try PipelineFixture(name: "vimo-space-reference", storage: "raw")
        XCTAssertEqual(try reference.vimo(["run", "--quiet"]).status, 0)

        let fixture = try PipelineFixture(name: "vimo-space", storage: "raw")
        let mounted = try smallFilesystem(fixture)
        let arguments = ["run", fixture.pipeline.path, "--cache", fixture.cache.path]
        let first = mounted != nil
            ? try TestSupport.run(TestSupport.product("vimo"), arguments)
            // 1 MB per file: the first decode shard (two clips, 3.6 MB) is over the limit.
            : try TestSupport.run("/bin/sh", ["-c", "ulimit -f 1024; exec \"$0\" \"$@\"", TestSupport.product("vimo")] + arguments)
        let output = String(decoding: first.stdout, as: UTF8.self) + first.stderr
        XCTAssertEqual(first.status, 1, "a stage that stopped for want of space fails the run (exit 1): \(output)")
        XCTAssertTrue(output.contains(mounted != nil ? "no space left on the device in \(fixture.cache.path)/decode/" : "file-size limit"), output)
        XCTAssertTrue(output.contains("not attempted (not failures)"), output)
        XCTAssertTrue(output.contains("exit status 3"), output)
        XCTAssertFalse(output.contains("Fatal error") || output.contains("HDF5-DIAG") || output.contains("killed by signal"), output)
        let record = try fixture.lastRecord()
        let stages = try XCTUnwrap(record["stages"] as? [[String: Any]])
        let decode = try XCTUnwrap(stages.first { $0["stage"] as? String == "decode" })
        XCTAssertEqual(decode["action"] as? String, "failed")
        XCTAssertTrue((decode["reasons"] as? [String] ?? []).contains { $0.contains("stopped after committing") }, "\(decode)")
        XCTAssertEqual(stages.first { $0["stage"] as? String == "flow" }?["action"] as? String, "not run")
        let decodeFolder = URL(fileURLWithPath: try XCTUnwrap(decode["directory"] as? String))
        XCTAssertNil(StageLock.currentHolder(directory: decodeFolder), "the lock is released")
        let committed = try PipelineFixture.committedShards(fixture)
        let runFolder = URL(fileURLWithPath: try XCTUnwrap(record["folder"] as? String))
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: runFolder.appendingPathComponent("summaries/decode.json"))) as? [String: Any]
        XCTAssertEqual((summary?["failed"] as? [Any])?.count, 0, "no item is marked failed")

        // Free space (or lift the limit) and run again.
        if let mounted {
            let grow = try TestSupport.run("/bin/mount", ["-o", "remount,size=400m", mounted.path])
            XCTAssertEqual(grow.status, 0, grow.stderr)
        }
        let second = try fixture.vimo(["run", "--quiet"])
        XCTAssertEqual(second.status, 0, String(decoding: second.stdout, as: UTF8.self) + second.stderr)
        try PipelineFixture.assertSameResults(fixture, reference, context: "after a full disk")
        try PipelineFixture.assertStillThere(committed)
    }
}
