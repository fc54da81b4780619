import Foundation
import Store
import TestSupport
import XCTest

/// `vimo gc` cannot hurt: it never deletes what a run in progress planned, nor what a recorded run
/// produced (unless told to forget old runs), however often it runs.
final class GcSafetyTests: XCTestCase {
    private func gc(_ fixture: PipelineFixture, _ extra: [String]) throws -> String {
        // An empty pipelines folder: no pipeline file resolves to anything, only the run records protect.
        let none = fixture.root.appendingPathComponent("no-pipelines")
        try FileManager.default.createDirectory(at: none, withIntermediateDirectories: true)
        let result = try TestSupport.run(TestSupport.product("vimo"), ["gc", "--cache", fixture.cache.path, "--pipelines", none.path] + extra)
        XCTAssertEqual(result.status, 0, result.stderr)
        return String(decoding: result.stdout, as: UTF8.self)
    }

    func testGcDuringARunAndAfterASecondExperimentDeletesNothingARunProduced() throws {
        let fixture = try PipelineFixture(name: "vimo-gc-safety")
        let run = try fixture.startRun("first", extra: ["--quiet"])
        var passes = 0
        while run.isRunning {
            _ = try gc(fixture, ["--delete"])
            passes += 1
            usleep(200_000)
        }
        run.waitUntilExit()
        XCTAssertEqual(run.terminationStatus, 0, fixture.output("first"))
        XCTAssertGreaterThan(passes, 3, "gc ran while the pipeline ran")
        let first = PipelineFixture.allStages.flatMap { fixture.folders($0) }
        XCTAssertEqual(first.count, PipelineFixture.allStages.count)

        // A second experiment with the same pipeline file and another dataset (one clip fewer).
        let other = fixture.root.appendingPathComponent("other-dataset")
        try FileManager.default.copyItem(at: fixture.dataset, to: other)
        let video = try FileManager.default.contentsOfDirectory(atPath: other.appendingPathComponent("video").path).sorted()[0]
        for name in ["train.csv", "val.csv", "AR_metadata.csv"] {
            let url = other.appendingPathComponent("annotation/\(name)")
            let kept = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.contains(String(video.dropLast(4))) }
            try kept.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        }
        let second = try fixture.vimo(["run", "--quiet", "--set", "dataset=\(other.path)"])
        XCTAssertEqual(second.status, 0, second.stderr)

        let dry = try gc(fixture, [])
        XCTAssertFalse(dry.contains("would remove"), dry)
        _ = try gc(fixture, ["--delete"])
        for folder in first { XCTAssertTrue(FileManager.default.fileExists(atPath: folder.path), "\(folder.path) was deleted") }
        XCTAssertEqual(try fixture.vimo(["run", "--quiet"]).status, 0)
        XCTAssertEqual(Set(try fixture.actions().values), ["up to date"], "the first experiment is intact")

        // Told to keep only each pipeline's newest run, gc lets the first experiment's trainers go,
        // and says why for every folder.
        let trimmed = try gc(fixture, ["--keep-last", "1"])
        XCTAssertTrue(trimmed.contains("would remove"), trimmed)
        XCTAssertTrue(trimmed.contains("is past the retention"), trimmed)
        XCTAssertTrue(trimmed.contains("keep ") && trimmed.contains("produced by run"), trimmed)
    }
}
