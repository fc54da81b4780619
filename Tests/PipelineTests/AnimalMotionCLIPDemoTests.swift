import Foundation
import TestSupport
import XCTest

/// The demo's AnimalMotionCLIP rows, run as `vimo run` runs them (pipelines/demo-amclip{,-flow,-rgb}.yaml up to eval),
/// on the demo's synthetic motion task with 1,000 clips: a tiny X-CLIP trained from scratch on colour-coded flow, and
/// on interleaved rgb+flow, beats the same model on RGB frames by 15 mAP points on the test split, and on RGB it stays
/// near the chance level (appearance carries nothing here). With the demo's 320 clips (193 training videos) rgb+flow
/// memorises the training videos' random textures instead (README, "What the demo's synthetic task shows").
final class AnimalMotionCLIPDemoTests: XCTestCase {
    func vimo(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.product("vimo"))
        process.arguments = arguments
        process.currentDirectoryURL = TestSupport.repositoryRoot
        let log = try TestSupport.temporaryFolder("vimo-amclip-demo-output").appendingPathComponent("log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: log, encoding: .utf8))
    }

    /// The eval stage's metrics.json of the newest run of `pipeline` in `cache`.
    func metrics(_ cache: URL, pipeline: String) throws -> [String: Any] {
        let runs = cache.appendingPathComponent("runs")
        let names = try FileManager.default.contentsOfDirectory(atPath: runs.path).filter { $0.first?.isNumber == true }.sorted()
        for name in names.reversed() {
            let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: runs.appendingPathComponent("\(name)/record.json"))) as? [String: Any])
            guard (record["pipeline"] as? String) == pipeline,
                  let eval = (record["stages"] as? [[String: Any]])?.first(where: { $0["stage"] as? String == "eval" }),
                  let folder = eval["directory"] as? String else { continue }
            let url = URL(fileURLWithPath: folder).appendingPathComponent("metrics.json")
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        }
        throw XCTSkip("no run of \(pipeline) in \(runs.path)")
    }

    func testFlowAndRGBPlusFlowBeatRGBByFifteenPoints() throws {
        let root = try TestSupport.temporaryFolder("vimo-amclip-demo")
        addTeardownBlock { [weak self] in
            if self?.testRun?.hasSucceeded == true { try? FileManager.default.removeItem(at: root) }
        }
        let dataset = root.appendingPathComponent("dataset"), cache = root.appendingPathComponent("cache")
        // The demo's dataset (vimo demo's vimo-synth arguments) with 1,000 clips of 10 frames: decode and flow cost in
        // proportion to the frames, training does not (each classifier samples 4 fields).
        let synth = try TestSupport.run(TestSupport.product("vimo-synth"), [
            "--out", dataset.path, "--task", "motion", "--animals", "2", "--clips", "1000", "--frames", "10", "--val-fraction", "0.2",
            "--seed", "49"])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        var map: [String: Double] = [:], chance: [String: Double] = [:], items: [String: Int] = [:]
        for (row, pipeline) in [("flow", "demo-amclip-flow"), ("rgb", "demo-amclip-rgb"), ("rgb+flow", "demo-amclip")] {
            let run = try vimo(["run", pipeline, "--stage", "eval", "--set", "dataset=\(dataset.path)", "--cache", cache.path, "--quiet"])
            XCTAssertEqual(run.status, 0, run.output)
            let report = try metrics(cache, pipeline: pipeline)
            map[row] = try XCTUnwrap(report["map"] as? Double)
            chance[row] = try XCTUnwrap((report["chance"] as? [String: Any])?["map"] as? Double)
            items[row] = try XCTUnwrap((report["counts"] as? [String: Any])?["items"] as? Int)
        }
        let summary = "test mAP \(map), chance \(chance), test videos \(items)"
        print("AnimalMotionCLIPDemoTests: \(summary)")
        XCTAssertEqual(items["flow"], items["rgb"], summary)
        XCTAssertEqual(items["rgb+flow"], items["rgb"], summary)
        XCTAssertGreaterThanOrEqual(items["flow"] ?? 0, 150, summary)
        let (flow, rgb, random) = (try XCTUnwrap(map["flow"]), try XCTUnwrap(map["rgb"]), try XCTUnwrap(chance["rgb"]))
        let both = try XCTUnwrap(map["rgb+flow"])
        XCTAssertGreaterThanOrEqual(flow - rgb, 0.15, "AnimalMotionCLIP on flow beats it on RGB by 15 points: \(summary)")
        XCTAssertGreaterThanOrEqual(both - rgb, 0.15, "and on interleaved rgb+flow: \(summary)")
        XCTAssertLessThanOrEqual(abs(rgb - random), 0.10, "on RGB it stays within 10 points of chance: \(summary)")
    }
}
