import Foundation
import TestSupport
import XCTest

/// `vimo run --executor slurm` against a real two-node Slurm cluster on this machine
/// (scripts/slurm-local.sh; Debian's Slurm from the bootstrap). Skipped, saying why, only where
/// the cluster cannot start.
final class SlurmExecutorTests: XCTestCase {
    nonisolated(unsafe) private static var startedHere = false
    nonisolated(unsafe) private static var unavailable: String?
    private static var script: String { TestSupport.repositoryRoot.appendingPathComponent("scripts/slurm-local.sh").path }
    private static var conf: String { TestSupport.repositoryRoot.appendingPathComponent("data/slurm/slurm.conf").path }
    private var environment: [String: String] { ["SLURM_CONF": Self.conf, "VIMO_SLURM_POLL": "0.2"] }

    override class func setUp() {
        super.setUp()
        guard let status = try? TestSupport.run(script, ["status"]) else { unavailable = "cannot run \(script)"; return }
        if status.status == 0 { return }
        guard let start = try? TestSupport.run(script, ["start"]), start.status == 0 else {
            unavailable = "scripts/slurm-local.sh start failed (is Slurm installed? make bootstrap installs it)"
            return
        }
        startedHere = true
    }

    override class func tearDown() {
        if startedHere { _ = try? TestSupport.run(script, ["stop"]) }
        super.tearDown()
    }

    override func setUpWithError() throws {
        if let reason = Self.unavailable { throw XCTSkip(reason) }
    }

    private func vimo(_ arguments: [String], _ fixture: PipelineFixture) throws -> (status: Int32, out: String) {
        let result = try TestSupport.run(TestSupport.product("vimo"), arguments + [fixture.pipeline.path, "--cache", fixture.cache.path],
                                         environment: environment)
        return (result.status, String(decoding: result.stdout, as: UTF8.self) + result.stderr)
    }

    private func squeue(_ name: String) throws -> [String] {
        let result = try TestSupport.run("/usr/bin/squeue", ["-h", "-o", "%i %T", "--name", name], environment: environment)
        return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// The fixture's pipeline with flow as a 2-task array of 2 CPUs each (one task per node).
    private func arrayPipeline(_ fixture: PipelineFixture) throws {
        let text = try String(contentsOf: fixture.pipeline, encoding: .utf8)
            .replacingOccurrences(of: "    run: vimo-flow compute\n", with: "    run: vimo-flow compute\n    processes: 2\n    slurm: {cpus: 2}\n")
        try text.write(to: fixture.pipeline, atomically: true, encoding: .utf8)
    }

    func testASlurmRunGivesTheLocalRunsBytesWithTasksOnBothNodes() throws {
        let local = try PipelineFixture(name: "vimo-slurm-local")
        let cluster = try PipelineFixture(name: "vimo-slurm-cluster")
        try arrayPipeline(local)
        try arrayPipeline(cluster)
        let localRun = try vimo(["run", "--quiet"], local)
        XCTAssertEqual(localRun.status, 0, localRun.out)
        let run = try vimo(["run", "--executor", "slurm"], cluster)
        XCTAssertEqual(run.status, 0, run.out)
        XCTAssertEqual(Set(try cluster.actions().values), ["ran"])
        try PipelineFixture.assertSameResults(cluster, local, context: "slurm vs local")
        for (stage, file) in [("moclip-train", "student.safetensors"), ("tfam-train", "best.safetensors")] {
            XCTAssertEqual(try Data(contentsOf: cluster.folders(stage)[0].appendingPathComponent(file)),
                           try Data(contentsOf: local.folders(stage)[0].appendingPathComponent(file)), "\(stage) checkpoint")
        }
        XCTAssertEqual(cluster.folders("flow").map(\.lastPathComponent), local.folders("flow").map(\.lastPathComponent),
                       "the executor is not in the fingerprint")
        let stages = try XCTUnwrap(try cluster.lastRecord()["stages"] as? [[String: Any]])
        let flow = try XCTUnwrap(stages.first { $0["stage"] as? String == "flow" })
        let tasks = try XCTUnwrap(flow["tasks"] as? [[String: Any]])
        XCTAssertEqual(Set(tasks.compactMap { $0["node"] as? String }), ["n1", "n2"], "array tasks on both nodes: \(tasks)")
        XCTAssertTrue(tasks.allSatisfy { $0["state"] as? String == "COMPLETED" && FileManager.default.fileExists(atPath: $0["log"] as? String ?? "") })
        let jobs = try XCTUnwrap(flow["jobs"] as? [[String: Any]])
        let dependsOn = jobs[0]["depends_on"] as? [String] ?? []
        if dependsOn.isEmpty {
            // No dependency is right only when decode's job had already ended when flow was submitted
            // (slurmctld keeps finished jobs for MinJobAge = 600 s, with their times).
            let decode = try XCTUnwrap(stages.first { $0["stage"] as? String == "decode" })
            let decodeJob = try XCTUnwrap((decode["jobs"] as? [[String: Any]])?.first?["id"] as? String, "\(decode)")
            let flowJob = try XCTUnwrap(jobs[0]["id"] as? String, "\(jobs)")
            let ended = try XCTUnwrap(try jobTime("EndTime", decodeJob)), submitted = try XCTUnwrap(try jobTime("SubmitTime", flowJob))
            XCTAssertLessThanOrEqual(ended, submitted, "flow was submitted without afterok while decode's job \(decodeJob) still ran")
        } else {
            XCTAssertEqual(dependsOn, (stages.first { $0["stage"] as? String == "decode" }?["jobs"] as? [[String: Any]])?.compactMap { $0["id"] as? String },
                           "flow was submitted after decode's job with afterok")
        }
        XCTAssertTrue(run.out.contains("2/2 tasks done"), run.out)
    }

    /// A time field of a job slurmctld still knows (`2026-12-03T16:58:50`: sortable as text).
    private func jobTime(_ field: String, _ job: String) throws -> String? {
        let result = try TestSupport.run("/usr/bin/scontrol", ["show", "job", "-o", job], environment: environment)
        let text = String(decoding: result.stdout, as: UTF8.self)
        guard let range = text.range(of: field + "=") else { return nil }
        return String(text[range.upperBound...].prefix { !$0.isWhitespace })
    }

    /// A wrapper around vimo-flow whose task 1 sleeps on its first start (marker file), so the test can
    /// act while it runs.
    private func slowFlowPipeline(_ fixture: PipelineFixture) throws -> URL {
        let marker = fixture.root.appendingPathComponent("task1-started")
        let wrapper = fixture.root.appendingPathComponent("slow-flow.sh")
        try """
        #!/bin/sh
        if [ "${SLURM_ARRAY_TASK_ID:-}" = 1 ] && [ ! -e \(marker.path) ]; then touch \(marker.path); sleep 120; fi
        exec \(TestSupport.product("vimo-flow")) compute "$@"
        """.write(to: wrapper, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper.path)
        try """
        executor: slurm
        stages:
          decode: {run: vimo-decode, inputs: {dataset: \(fixture.dataset.path)}, params: {split: all, sampling: all, items-per-shard: 1}}
          flow:
            run: \(wrapper.path)
            kind: items
            version: "1"
            processes: 2
            inputs: {frames: decode}
            params: {method: dis, preset: ultrafast, items-per-shard: 1}
        """.write(to: fixture.pipeline, atomically: true, encoding: .utf8)
        return marker
    }

    private func waitFor(_ what: String, seconds: Double = 60, _ condition: () throws -> Bool) throws {
        let start = Date()
        while try !condition() {
            guard Date().timeIntervalSince(start) < seconds else { return XCTFail("timed out waiting for \(what)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    func testDetachThenStatusThenRunAndAKilledTaskIsRetried() throws {
        let fixture = try PipelineFixture(name: "vimo-slurm-detach")
        let marker = try slowFlowPipeline(fixture)
        let detached = try vimo(["run", "--detach"], fixture)
        XCTAssertEqual(detached.status, 0, detached.out)
        XCTAssertTrue(detached.out.contains("detached: 2 stage(s) submitted"), detached.out)
        XCTAssertEqual(try fixture.actions(), ["decode": "submitted", "flow": "submitted"])
        try waitFor("task 1 of flow to start") { FileManager.default.fileExists(atPath: marker.path) }
        var status = try vimo(["status"], fixture)
        try waitFor("task 0 of flow to end") {
            status = try vimo(["status"], fixture)
            return status.out.contains("on the cluster: 1/2 tasks done, 1 running (job")
        }
        XCTAssertEqual(status.status, 1, status.out)

        // The next run follows the jobs; task 1 is killed from outside while it runs; the run retries it once.
        let flowFolder = try XCTUnwrap(fixture.folders("flow").first)
        let claim = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: flowFolder.appendingPathComponent(".slurm.json"))) as? [String: Any])
        let job = try XCTUnwrap((claim["jobs"] as? [[String: Any]])?.first?["id"] as? String)
        let runner = try fixture.startRun("follow", extra: ["--retries", "1"], environment: environment)
        try waitFor("the run to pick up the jobs") { fixture.output("follow").contains("following the jobs of an earlier run") }
        _ = try TestSupport.run("/usr/bin/scancel", [job + "_1"], environment: environment)
        runner.waitUntilExit()
        let out = fixture.output("follow")
        XCTAssertEqual(runner.terminationStatus, 0, out)
        XCTAssertTrue(out.contains("following the jobs of an earlier run"), out)
        XCTAssertTrue(out.contains("retry 1 of task(s) 1"), out)
        XCTAssertEqual(try fixture.actions()["flow"], "ran")
        let items = try PipelineFixture.itemOccurrences(flowFolder)
        XCTAssertEqual(items.sorted(), Array(Set(items)).sorted(), "no item twice")
        XCTAssertEqual(items.count, PipelineFixture.clips, "every item exactly once")
        XCTAssertFalse(FileManager.default.fileExists(atPath: flowFolder.appendingPathComponent(".slurm.json").path), "the claim is gone once recorded")
        XCTAssertEqual(try vimo(["status"], fixture).status, 0)
    }

    func testAnInterruptCancelsTheRunsJobs() throws {
        let fixture = try PipelineFixture(name: "vimo-slurm-interrupt")
        let marker = try slowFlowPipeline(fixture)
        let runner = try fixture.startRun("run", environment: environment)
        try waitFor("task 1 of flow to start") { FileManager.default.fileExists(atPath: marker.path) }
        kill(runner.processIdentifier, SIGINT)
        runner.waitUntilExit()
        XCTAssertEqual(runner.terminationStatus, 130, fixture.output("run"))
        XCTAssertEqual(try fixture.lastRecord()["interrupted"] as? Bool, true)
        let name = "vimo-" + fixture.pipeline.deletingPathExtension().lastPathComponent + "-flow"
        try waitFor("the cancelled jobs to leave the queue", seconds: 15) { try squeue(name).allSatisfy { !$0.contains("RUNNING") && !$0.contains("PENDING") } }
    }

    func testAStageAfterAFailedOneDoesNotHang() throws {
        let fixture = try PipelineFixture(name: "vimo-slurm-failed-dependency")
        let fail = fixture.root.appendingPathComponent("fail.sh"), ok = fixture.root.appendingPathComponent("ok.sh")
        try "#!/bin/sh\necho 'cannot go on: bad input' >&2\nexit 3\n".write(to: fail, atomically: true, encoding: .utf8)
        try "#!/bin/sh\nwhile [ \"$1\" != --out ]; do shift; done; mkdir -p \"$2\"; echo made > \"$2/done\"\n".write(to: ok, atomically: true, encoding: .utf8)
        for file in [fail, ok] { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path) }
        try """
        stages:
          a: {run: \(fail.path), version: "1"}
          b: {run: \(ok.path), version: "1", inputs: {in: a}}
        """.write(to: fixture.pipeline, atomically: true, encoding: .utf8)
        let detached = try vimo(["run", "--executor", "slurm", "--detach"], fixture)
        XCTAssertEqual(detached.status, 0, detached.out)
        XCTAssertTrue(detached.out.contains("b") && detached.out.contains(", after "), "b waits for a on the cluster: \(detached.out)")
        let started = Date()
        let run = try vimo(["run", "--executor", "slurm"], fixture)
        XCTAssertEqual(run.status, 1, run.out)
        XCTAssertLessThan(Date().timeIntervalSince(started), 60, "the run ended")
        XCTAssertEqual(try fixture.actions(), ["a": "failed", "b": "not run"])
        XCTAssertTrue(run.out.contains("FAILED, exit 3:0"), run.out)
        let stages = try XCTUnwrap(try fixture.lastRecord()["stages"] as? [[String: Any]])
        let log = try XCTUnwrap((stages.first { $0["stage"] as? String == "a" }?["tasks"] as? [[String: Any]])?.first?["log"] as? String)
        XCTAssertTrue(try String(contentsOfFile: log, encoding: .utf8).contains("cannot go on: bad input"))
        let name = "vimo-" + fixture.pipeline.deletingPathExtension().lastPathComponent + "-b"
        XCTAssertEqual(try squeue(name).filter { $0.contains("PENDING") }, [], "no job waits forever on the failed one")
    }
}
