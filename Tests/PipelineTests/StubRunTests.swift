import Foundation
import TestSupport
import XCTest

/// `vimo run` on stub stages (shell scripts): failures stop dependents only, dry runs run
/// nothing, bad pipeline files are named with their line.
final class StubRunTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try TestSupport.temporaryFolder("vimo-stubs")
        // ok.sh writes <out>/done and says so; fail.sh prints a reason and exits 3.
        try script("ok.sh", #"while [ "$1" != "--out" ]; do shift; done; mkdir -p "$2"; echo made > "$2/done"; echo "wrote $2/done""#)
        try script("fail.sh", #"echo "cannot go on: bad input" >&2; exit 3"#)
        try """
        stages:
          a: {run: \(folder.path)/ok.sh, version: "1"}
          b: {run: \(folder.path)/fail.sh, version: "1", inputs: {in: a}}
          c: {run: \(folder.path)/ok.sh, version: "1", inputs: {in: b}}
          d: {run: \(folder.path)/ok.sh, version: "1", inputs: {in: a}}
        """.write(to: folder.appendingPathComponent("stubs.yaml"), atomically: true, encoding: .utf8)
    }

    private func script(_ name: String, _ body: String) throws {
        let url = folder.appendingPathComponent(name)
        try ("#!/bin/sh\n" + body + "\n").write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    }

    private func vimo(_ arguments: [String], pipeline: String = "stubs.yaml") throws -> (status: Int32, out: String, err: String) {
        let result = try TestSupport.run(TestSupport.product("vimo"), arguments + [folder.appendingPathComponent(pipeline).path,
                                                                               "--cache", folder.appendingPathComponent("cache").path])
        return (result.status, String(decoding: result.stdout, as: UTF8.self), result.stderr)
    }

    func testAFailedStageStopsItsDependentsOnlyAndLeavesItsLog() throws {
        let dry = try vimo(["run", "--dry-run"])
        XCTAssertEqual(dry.status, 0, dry.err)
        XCTAssertTrue(dry.out.contains("would run"), dry.out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("cache/a").path), "a dry run runs nothing")

        let run = try vimo(["run", "--jobs", "2"])
        XCTAssertEqual(run.status, 1, run.out + run.err)
        XCTAssertTrue(run.out.contains("exit status 3"), run.out)
        XCTAssertTrue(run.out.contains("not run: upstream b did not complete"), run.out)
        let record = try lastRecord()
        let actions = Dictionary(uniqueKeysWithValues: (record["stages"] as! [[String: Any]]).map { ($0["stage"] as! String, $0["action"] as! String) })
        XCTAssertEqual(actions, ["a": "ran", "b": "failed", "c": "not run", "d": "ran"])
        let failed = (record["stages"] as! [[String: Any]]).first { $0["stage"] as? String == "b" }!
        let log = try String(contentsOfFile: failed["log"] as! String, encoding: .utf8)
        XCTAssertTrue(log.contains("cannot go on: bad input"), log)

        // The rerun retries only what did not complete.
        let again = try vimo(["run"])
        XCTAssertEqual(again.status, 1)
        let rerun = Dictionary(uniqueKeysWithValues: (try lastRecord()["stages"] as! [[String: Any]]).map { ($0["stage"] as! String, $0["action"] as! String) })
        XCTAssertEqual(rerun["a"], "up to date")
        XCTAssertEqual(rerun["d"], "up to date")
        XCTAssertEqual(rerun["b"], "failed")
    }

    func testIndependentStagesRunTogetherUnderJobsAndStatusNamesACodeChange() throws {
        // slow.sh notes when it starts and ends; with --jobs 2 the two independent stages overlap.
        try script("slow.sh", #"while [ "$1" != "--out" ]; do shift; done; mkdir -p "$2"; date +%s.%N > "$2/start"; sleep 1; date +%s.%N > "$2/end""#)
        let pipeline = { (version: String) in """
            stages:
              x: {run: \(self.folder.path)/slow.sh, version: "\(version)"}
              y: {run: \(self.folder.path)/slow.sh, version: "1", params: {n: 1}}
              z: {run: \(self.folder.path)/ok.sh, version: "1", inputs: {a: x, b: y}}
            """ }
        try pipeline("1").write(to: folder.appendingPathComponent("par.yaml"), atomically: true, encoding: .utf8)
        let run = try vimo(["run", "--jobs", "2"], pipeline: "par.yaml")
        XCTAssertEqual(run.status, 0, run.out + run.err)
        let stages = Dictionary(uniqueKeysWithValues: (try lastRecord()["stages"] as! [[String: Any]]).map { ($0["stage"] as! String, $0) })
        func interval(_ stage: String) throws -> ClosedRange<Double> {
            let directory = URL(fileURLWithPath: stages[stage]!["directory"] as! String)
            let read = { (name: String) throws -> Double in
                Double(try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines))!
            }
            return try read("start")...read("end")
        }
        XCTAssertTrue(try interval("x").overlaps(interval("y")), "x and y ran at the same time")
        XCTAssertNotNil(stages["z"]!["params"] as? String, "the record keeps each stage's params")

        let dot = try vimo(["dag", "--dot"], pipeline: "par.yaml")
        XCTAssertTrue(dot.out.contains(#""x" -> "z" [label="a"]"#) && dot.out.contains(#""y" -> "z" [label="b"]"#), dot.out)
        let ls = try TestSupport.run(TestSupport.product("vimo"), ["ls", "--cache", folder.appendingPathComponent("cache").path,
                                                                   "--pipelines", folder.path])
        XCTAssertTrue(String(decoding: ls.stdout, as: UTF8.self).contains("used by pipeline par"), String(decoding: ls.stdout, as: UTF8.self))

        // A new code version of x: x and z must run, y not; status says why.
        try pipeline("2").write(to: folder.appendingPathComponent("par.yaml"), atomically: true, encoding: .utf8)
        let status = try vimo(["status"], pipeline: "par.yaml")
        XCTAssertEqual(status.status, 1)
        XCTAssertTrue(status.out.contains("code changed (1 → 2)"), status.out)
        XCTAssertTrue(status.out.contains("y  up to date") || status.out.contains("y   up to date"), status.out)
    }

    func testABadPipelineFileIsNamedWithItsLineAndKey() throws {
        try """
        stages:
          a:
            run: /bin/true
            params: {preset: {nested: 1}}
        """.write(to: folder.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let result = try vimo(["status"], pipeline: "bad.yaml")
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.err.contains("bad.yaml:4:"), result.err)
        XCTAssertTrue(result.err.contains("stages.a.params.preset"), result.err)
    }

    private func lastRecord() throws -> [String: Any] {
        try PipelineFixture.newestRecord(cache: folder.appendingPathComponent("cache"))
    }
}
