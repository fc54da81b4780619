import Foundation
import TestSupport
import XCTest

/// `vimo demo` proves its thesis: on the synthetic motion task, whose labels no single frame
/// shows, the real pipeline (decode → DIS flow → MoCLIP student → TFAM) with motion beats
/// appearance alone and the chance level of random scores by far, and appearance alone stays near
/// chance. (`--skip demo-amclip`: the AnimalMotionCLIP rows are AnimalMotionCLIPDemoTests'.) One run of the demo family on a smaller copy of the demo dataset (120 clips of about
/// 12 frames, fixed seeds) serves every assertion.
final class DemoAblationTests: XCTestCase {
    /// Runs `vimo` in the repository root (where `pipelines/` is), as `make demo` does.
    func vimo(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.product("vimo"))
        process.arguments = arguments
        process.currentDirectoryURL = TestSupport.repositoryRoot
        let folder = try TestSupport.temporaryFolder("vimo-demo-output")
        let out = folder.appendingPathComponent("stdout"), err = folder.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: out, encoding: .utf8), try String(contentsOf: err, encoding: .utf8))
    }

    func testMotionAwareFusionBeatsAppearanceAloneAndChance() throws {
        let root = try TestSupport.temporaryFolder("vimo-demo")
        // Half a gigabyte of cache: kept only when the test fails, to look into.
        addTeardownBlock { [weak self] in
            if self?.testRun?.hasSucceeded == true { try? FileManager.default.removeItem(at: root) }
        }
        let dataset = root.appendingPathComponent("dataset"), cache = root.appendingPathComponent("cache")
        let run = try vimo(["demo", "--dataset", dataset.path, "--cache", cache.path, "--clips", "120", "--frames", "12", "--quiet",
                             "--skip", "demo-amclip"])  // AnimalMotionCLIP's rows: AnimalMotionCLIPDemoTests, on more videos
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)

        // The table: a row per fusion, then chance, mAP before micro AP; and where the chart is.
        let lines = run.stdout.components(separatedBy: "\n")
        let header = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("Fusion ablation") }, run.stdout)
        let rows = lines[(header + 2)...].prefix { !$0.isEmpty }.map { line -> String in
            let name = line.range(of: #"\s+[0-9.]+ %"#, options: .regularExpression).map { line[..<$0.lowerBound] } ?? Substring(line)
            return name.trimmingCharacters(in: .whitespaces)
        }
        XCTAssertEqual(rows, ["rgb", "motion", "concat-embedding", "concat-temporal", "cross", "chance"], run.stdout)
        XCTAssertTrue(lines[header + 1].contains("mAP (macro)") && lines[header + 1].hasSuffix("micro AP"), lines[header + 1])
        let svg = root.appendingPathComponent("ablation.svg")
        XCTAssertTrue(run.stdout.contains(svg.path) || run.stdout.contains("ablation.svg"), run.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: svg.path))
        let png = root.appendingPathComponent("ablation.png")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/rsvg-convert") {
            let bytes = try Data(contentsOf: png)
            XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG")
        }

        // The numbers, as the demo wrote them.
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("ablation.json"))) as? [String: Any])
        let variants = try XCTUnwrap(json["variants"] as? [[String: Any]])
        var map: [String: Double] = [:]
        for variant in variants { map[try XCTUnwrap(variant["fusion"] as? String)] = try XCTUnwrap(variant["map"] as? Double) }
        let chance = try XCTUnwrap((json["chance"] as? [String: Any])?["map"] as? Double)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(json["items"] as? Int), 20, "the test split holds at least 20 videos")
        let (rgb, motion, cross) = (try XCTUnwrap(map["rgb"]), try XCTUnwrap(map["motion"]), try XCTUnwrap(map["cross"]))
        let summary = "mAP: \(map.sorted { $0.key < $1.key }), chance \(chance)"
        XCTAssertGreaterThanOrEqual(motion - rgb, 0.15, "motion beats appearance alone by 15 points: \(summary)")
        XCTAssertGreaterThanOrEqual(cross - rgb, 0.15, "cross fusion beats appearance alone by 15 points: \(summary)")
        XCTAssertGreaterThanOrEqual(motion - chance, 0.20, "motion beats chance by 20 points: \(summary)")
        XCTAssertGreaterThanOrEqual(cross - chance, 0.20, "cross fusion beats chance by 20 points: \(summary)")
        XCTAssertLessThanOrEqual(abs(rgb - chance), 0.10, "appearance alone stays within 10 points of chance: \(summary)")


        // Model selection had a validation split worth choosing by, and said so.
        let runs = try FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent("runs").path)
            .filter { $0.first?.isNumber == true }.sorted()
        let log = try String(contentsOf: cache.appendingPathComponent("runs/\(runs[0])/logs/tfam-train.log"), encoding: .utf8)
        let split = try NSRegularExpression(pattern: "validation split: ([0-9]+) of ([0-9]+) training videos")
        let match = try XCTUnwrap(split.firstMatch(in: log, range: NSRange(log.startIndex..., in: log)), log)
        let held = Int((log as NSString).substring(with: match.range(at: 1)))!, total = Int((log as NSString).substring(with: match.range(at: 2)))!
        XCTAssertGreaterThanOrEqual(held, 10)
        XCTAssertGreaterThanOrEqual(Double(held), 0.1 * Double(total))
    }
}
