import Foundation
import Pipeline
import Store
import TestSupport
import XCTest

/// The runner end to end with the real stage executables: incremental runs, param edits,
/// added videos, kills at random points, and two runners on one cache.
final class RunnerTests: XCTestCase {
    func testRunsOnceThenOnlyWhatAParamEditOrNewVideosChange() throws {
        let fixture = try PipelineFixture(name: "vimo-incremental")
        let restore = try fixture.hide(2)

        var result = try fixture.vimo(["run"])
        XCTAssertEqual(result.status, 0, String(decoding: result.stdout, as: UTF8.self) + result.stderr)
        XCTAssertEqual(try fixture.actions(), Dictionary(uniqueKeysWithValues: PipelineFixture.allStages.map { ($0, "ran") }))
        XCTAssertEqual(try fixture.processed()["decode"], PipelineFixture.clips - 2)

        // Nothing changed: nothing runs, and status says so (exit 0).
        result = try fixture.vimo(["run"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(Set(try fixture.actions().values), ["up to date"])
        XCTAssertEqual(try fixture.vimo(["status"]).status, 0)

        // Edit one param of flow: decode and clip are reused; flow and everything after it run.
        try fixture.writePipeline(flowPreset: "fast")
        result = try fixture.vimo(["status"])
        let status = String(decoding: result.stdout, as: UTF8.self)
        XCTAssertEqual(result.status, 1, "status exits 1 while something must run")
        XCTAssertTrue(status.contains("params changed: preset \"ultrafast\" → \"fast\""), status)
        XCTAssertTrue(status.contains("decode        up to date"), status)
        let decodeRecord = try Data(contentsOf: fixture.folders("decode")[0].appendingPathComponent("run.json"))
        XCTAssertEqual(try fixture.vimo(["run"]).status, 0)
        XCTAssertEqual(try fixture.actions(), [
            "decode": "up to date", "flow": "ran", "clip": "up to date", "moclip-train": "ran", "moclip": "ran",
            "tfam-train": "ran", "tfam-predict": "ran", "eval": "ran",
        ])
        XCTAssertEqual(try Data(contentsOf: fixture.folders("decode")[0].appendingPathComponent("run.json")), decodeRecord,
                       "decode was not run again")
        XCTAssertEqual(fixture.folders("flow").count, 2, "the new flow params got their own folder; the old one is kept")

        // gc: the old flow folder (and what was computed from it) is used by no pipeline any more.
        let oldFlow = try XCTUnwrap(fixture.folders("flow").first { $0.path != currentFolder(fixture, "flow").path })
        let gc = { (extra: [String]) throws -> String in
            let result = try TestSupport.run(TestSupport.product("vimo"), ["gc", "--cache", fixture.cache.path, "--pipelines", fixture.root.path] + extra)
            XCTAssertEqual(result.status, 0, result.stderr)
            return String(decoding: result.stdout, as: UTF8.self)
        }
        // By default every recorded run keeps what it produced; --keep-last 1 keeps only the newest run's.
        let keepAll = try gc(["--delete"])
        XCTAssertFalse(keepAll.contains("removed"), keepAll)
        let line = { (text: String, folder: String) in text.split(separator: "\n").first { $0.contains(folder + " (") }.map(String.init) ?? "" }
        XCTAssertTrue(line(keepAll, "flow/" + oldFlow.lastPathComponent).hasPrefix("keep "), keepAll)
        XCTAssertTrue(line(keepAll, "flow/" + oldFlow.lastPathComponent).contains("produced by run"), keepAll)
        XCTAssertTrue(FileManager.default.fileExists(atPath: oldFlow.path))
        let dry = try gc(["--keep-last", "1"])
        XCTAssertTrue(dry.contains("would remove") && dry.contains(oldFlow.lastPathComponent), dry)
        XCTAssertTrue(line(dry, "decode/" + currentFolder(fixture, "decode").lastPathComponent).hasPrefix("keep "), "decode is still used: \(dry)")
        XCTAssertTrue(line(dry, "flow/" + oldFlow.lastPathComponent).hasPrefix("would remove "), dry)
        XCTAssertTrue(FileManager.default.fileExists(atPath: oldFlow.path), "a dry run deletes nothing")
        _ = try gc(["--delete", "--keep-last", "1"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: oldFlow.path))
        XCTAssertEqual(try fixture.vimo(["status"]).status, 0, "gc removed nothing the pipeline uses")

        // Add the two videos: upstream of the trainers only they are computed.
        try restore()
        result = try fixture.vimo(["status"])
        XCTAssertTrue(String(decoding: result.stdout, as: UTF8.self).contains("2 new"), String(decoding: result.stdout, as: UTF8.self))
        XCTAssertEqual(try fixture.vimo(["run", "--stage", "decode"]).status, 0)
        XCTAssertEqual(try fixture.processed()["decode"], 2, "decode computed only the new videos")
        let afterDecode = String(decoding: try fixture.vimo(["status"]).stdout, as: UTF8.self)
        XCTAssertTrue(afterDecode.contains("flow          stale: upstream decode changed: 2 item(s) to compute"), afterDecode)
        result = try fixture.vimo(["run"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let processed = try fixture.processed()
        XCTAssertEqual(try fixture.actions()["decode"], "up to date")
        for stage in ["flow", "clip"] {
            XCTAssertEqual(processed[stage], 2, "\(stage) computed only the new videos")
        }
        XCTAssertEqual(try fixture.actions()["moclip-train"], "ran", "a trainer depends on the whole item set")
        for stage in ["decode", "clip"] {
            let items = try PipelineFixture.itemOccurrences(fixture.folders(stage)[0])
            XCTAssertEqual(items.count, PipelineFixture.clips, "\(stage): every item exactly once")
            XCTAssertEqual(Set(items).count, PipelineFixture.clips)
        }
    }

    func testTheShippedDemoPipelineRunsOnASmallDataset() throws {
        let fixture = try PipelineFixture(name: "vimo-demo-pipeline")
        let demo = TestSupport.repositoryRoot.appendingPathComponent("pipelines/demo.yaml").path
        let result = try TestSupport.run(TestSupport.product("vimo"), [
            "run", demo, "--set", "dataset=\(fixture.dataset.path)", "--set", "min-validation=1",  // the fixture's 8 clips
            "--cache", fixture.cache.path, "--jobs", "2", "--quiet"])
        XCTAssertEqual(result.status, 0, String(decoding: result.stdout, as: UTF8.self) + result.stderr)
        XCTAssertEqual(Set(try fixture.actions().values), ["ran"])
        let metrics = try Data(contentsOf: fixture.folders("eval")[0].appendingPathComponent("metrics.json"))
        let map = try XCTUnwrap((try JSONSerialization.jsonObject(with: metrics) as? [String: Any])?["map"] as? Double)
        XCTAssertTrue((0...1).contains(map), "mAP \(map)")
    }

    func testAnItemStageSplitAcrossProcessesComputesEachItemOnceAndTheSame() throws {
        let fixture = try PipelineFixture(name: "vimo-processes")
        try """
        stages:
          decode: {run: vimo-decode, inputs: {dataset: \(fixture.dataset.path)}, params: {split: all, sampling: all}}
          one: {run: vimo-flow compute, inputs: {frames: decode}, params: {method: dis, preset: ultrafast, items-per-shard: 2}}
          three:
            run: vimo-flow compute
            processes: 3
            inputs: {frames: decode}
            params: {method: dis, preset: ultrafast, items-per-shard: 2}
        """.write(to: fixture.pipeline, atomically: true, encoding: .utf8)
        let result = try fixture.vimo(["run", "--quiet"])
        XCTAssertEqual(result.status, 0, String(decoding: result.stdout, as: UTF8.self) + result.stderr)
        XCTAssertEqual(try fixture.processed()["three"], PipelineFixture.clips, "the processes' counts add up")
        let stages = try fixture.lastRecord()["stages"] as! [[String: Any]]
        let logs = try XCTUnwrap(stages.first { $0["stage"] as? String == "three" }?["logs"] as? [String])
        XCTAssertEqual(logs.count, 3)
        XCTAssertTrue(logs.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        let items = try PipelineFixture.itemOccurrences(fixture.folders("three")[0])
        XCTAssertEqual(items.count, PipelineFixture.clips, "each item computed by exactly one process")
        XCTAssertEqual(try PipelineFixture.payloads(fixture.folders("three")[0]), try PipelineFixture.payloads(fixture.folders("one")[0]))
        XCTAssertGreaterThan(try ShardDirectory.committedShards(in: fixture.folders("three")[0]).map { $0.lastPathComponent }
            .filter { $0.contains("of3") }.count, 1, "shards from several processes")
    }

    func testKilledRunnerAndKilledStageRecoverToTheUninterruptedResult() throws {
        let reference = try PipelineFixture(name: "vimo-reference")
        XCTAssertEqual(try reference.vimo(["run"]).status, 0)

        var generator = SeededGenerator(seed: UInt64(ProcessInfo.processInfo.processIdentifier))
        // 1. kill -9 the runner at random points, three runs in a row (a running stage is orphaned and
        //    finishes on its own, holding the stage lock); then a plain run completes.
        let killedRunner = try PipelineFixture(name: "vimo-kill-runner")
        var delays: [String] = []
        for attempt in 0..<3 {
            let runner = try killedRunner.startRun("attempt-\(attempt)")
            let delay = 0.3 + generator.unit() * 4
            delays.append(String(format: "%.2f s", delay))
            Thread.sleep(forTimeInterval: delay)
            kill(runner.processIdentifier, SIGKILL)
            runner.waitUntilExit()
        }
        let committed = try PipelineFixture.committedShards(killedRunner)
        var result = try killedRunner.vimo(["run"])
        XCTAssertEqual(result.status, 0, "after killing the runner at \(delays): " + result.stderr)
        try PipelineFixture.assertSameResults(killedRunner, reference, context: "runner killed at \(delays.joined(separator: ", "))")
        try PipelineFixture.assertStillThere(committed)

        // 2. kill -9 a stage process at a random point: the run fails, its dependents do not run; a rerun completes.
        let killedStage = try PipelineFixture(name: "vimo-kill-stage")
        let second = try killedStage.startRun("first")
        let stageDelay = 0.3 + generator.unit() * 5
        Thread.sleep(forTimeInterval: stageDelay)
        let victim = stageProcess(of: second.processIdentifier)
        if let victim { kill(victim, SIGKILL) }
        second.waitUntilExit()
        if victim != nil && second.terminationStatus != 0 {
            XCTAssertEqual(second.terminationStatus, 1)
            XCTAssertTrue(killedStage.output("first").contains("killed by signal 9"), killedStage.output("first"))
        }
        let committedBefore = try PipelineFixture.committedShards(killedStage)
        result = try killedStage.vimo(["run"])
        XCTAssertEqual(result.status, 0, "after killing a stage at \(stageDelay) s: " + result.stderr)
        try PipelineFixture.assertSameResults(killedStage, reference, context: "stage killed at \(String(format: "%.2f", stageDelay)) s")
        try PipelineFixture.assertStillThere(committedBefore)
    }

    func testAnInterruptStopsTheStagesRecordsTheRunAndExits130() throws {
        let fixture = try PipelineFixture(name: "vimo-interrupt")
        let runner = try fixture.startRun("first")
        let victim = try XCTUnwrap(stageProcess(of: runner.processIdentifier), fixture.output("first"))
        kill(runner.processIdentifier, SIGINT)
        runner.waitUntilExit()
        XCTAssertEqual(runner.terminationStatus, 130, fixture.output("first"))
        XCTAssertTrue(fixture.output("first").contains("interrupted: stopping the running stages"), fixture.output("first"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/proc/\(victim)/cmdline"), "the stage process was stopped, not orphaned")
        let record = try fixture.lastRecord()
        XCTAssertEqual(record["interrupted"] as? Bool, true)
        let actions = try fixture.actions()
        XCTAssertTrue(actions.values.contains("not run"), "\(actions)")

        XCTAssertEqual(try fixture.vimo(["run"]).status, 0)
        for name in PipelineFixture.itemStages {
            XCTAssertEqual(try PipelineFixture.itemOccurrences(fixture.folders(name)[0]).count, PipelineFixture.clips, name)
        }
    }

    func testTwoRunnersOnOneCacheSerialiseOnTheStageLocks() throws {
        let fixture = try PipelineFixture(name: "vimo-two-runners")
        let first = try fixture.startRun("a")
        let second = try fixture.startRun("b")
        first.waitUntilExit()
        second.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0, fixture.output("a"))
        XCTAssertEqual(second.terminationStatus, 0, fixture.output("b"))
        XCTAssertTrue((fixture.output("a") + fixture.output("b")).contains("waiting for the lock held by pid"),
                      fixture.output("a") + fixture.output("b"))
        for stage in PipelineFixture.itemStages {
            XCTAssertEqual(fixture.folders(stage).count, 1)
            let items = try PipelineFixture.itemOccurrences(fixture.folders(stage)[0])
            XCTAssertEqual(items.count, PipelineFixture.clips, "\(stage): no item computed twice")
        }

        // While another process holds a stage's lock, a runner with --lock-timeout gives up, names the holder, exits 3.
        let lock = try StageLock.acquire(directory: fixture.folders("decode")[0], holder: "pid 4242 on elsewhere: vimo run (test)",
                                         timeout: 0) { _ in }
        let impatient = try fixture.vimo(["run", "--force", "--lock-timeout", "0.5"])
        XCTAssertEqual(impatient.status, 3, impatient.stderr)
        XCTAssertTrue(impatient.stderr.contains("locked by pid 4242 on elsewhere"), impatient.stderr)
        XCTAssertTrue(impatient.stderr.contains("waiting for the lock held by pid 4242"), impatient.stderr)
        lock.release()
    }

    func testALockLeftByADeadProcessIsTakenOver() throws {
        let folder = try TestSupport.temporaryFolder("vimo-lock")
        try "pid 999999 on \(ProcessInfo.processInfo.hostName), since 2026-01-01T00:00:00Z: vimo run demo\n"
            .write(to: folder.appendingPathComponent(".lock"), atomically: true, encoding: .utf8)
        let lock = try StageLock.acquire(directory: folder, holder: "me", timeout: 0) { _ in XCTFail("nobody holds it") }
        XCTAssertEqual(lock.takenOverFrom?.hasPrefix("pid 999999"), true)
        XCTAssertTrue(StageLock.describe(holder: lock.takenOverFrom!).hasSuffix("(that process has ended; a stage process it started still holds the lock)"))
        let live = StageLock.holderLine(command: "vimo run demo")
        XCTAssertEqual(StageLock.describe(holder: live), live, "a live holder is named as it is")
        XCTAssertNotNil(StageLock.currentHolder(directory: folder))
        XCTAssertThrowsError(try StageLock.acquire(directory: folder, holder: "other", timeout: 0.2) { holder in
            XCTAssertEqual(holder, "me")
        })
        lock.release()
        XCTAssertNil(StageLock.currentHolder(directory: folder))
        let next = try StageLock.acquire(directory: folder, holder: "other", timeout: 0) { _ in }
        XCTAssertNil(next.takenOverFrom, "a released lock leaves no holder behind")
    }

    // MARK: - Helpers

    /// The folder the pipeline's last run used for `stage`.
    private func currentFolder(_ fixture: PipelineFixture, _ stage: String) -> URL {
        let stages = (try? fixture.lastRecord()["stages"] as? [[String: Any]]) ?? []
        let path = stages.first { $0["stage"] as? String == stage }?["directory"] as? String ?? "/nonexistent"
        return URL(fileURLWithPath: path)
    }

    /// The first stage process the runner `pid` starts within 10 s: a child with `--out` on its
    /// command line (not a `--version` probe of the planner); nil if none appears.
    private func stageProcess(of pid: Int32) -> Int32? {
        for _ in 0..<500 {
            let found = children(of: pid).first { child in
                ((try? String(contentsOfFile: "/proc/\(child)/cmdline", encoding: .utf8)) ?? "").split(separator: "\0").contains("--out")
            }
            if let found { return found }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }

    private func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { candidate in
            guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid
        }
    }
}

