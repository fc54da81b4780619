import Datasets
import Foundation
import TestSupport
import XCTest

/// Long work shows progress: on a terminal a line rewritten in place, in a log plain lines (no
/// carriage returns), including progress inside a long video.
final class ProgressTests: XCTestCase {
    func testProgressUpdatesInPlaceOnATerminalAndAsPlainLinesInALog() throws {
        let root = try TestSupport.temporaryFolder("vimo-progress")
        defer { try? FileManager.default.removeItem(at: root) }
        let dataset = root.appendingPathComponent("dataset")
        try SyntheticDataset.generate(at: dataset, spec: .init(clips: 2, frames: 120, width: 64, height: 48,
                                                               valFraction: 0.5, seed: 5, keyframeInterval: 25))
        let decode = TestSupport.product("vimo-decode")
        // A pipe (a log file, a Slurm job): plain lines, as often as asked.
        let piped = try TestSupport.run(decode, ["--dataset", dataset.path, "--out", root.appendingPathComponent("a").path, "--workers", "1"],
                                        environment: ProcessInfo.processInfo.environment.merging(["VIMO_PROGRESS_SECONDS": "0"]) { $1 })
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertFalse(piped.stderr.contains("\r"), "no carriage return in a log")
        let lines = piped.stderr.split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.contains("items]") && $0.contains("ETA") }, piped.stderr)
        XCTAssertTrue(lines.contains { $0.range(of: #" \d+/\d+ frames$"#, options: .regularExpression) != nil },
                      "progress inside a video: \(piped.stderr)")
        // Flow reports the pairs done inside each video too.
        let flow = try TestSupport.run(TestSupport.product("vimo-flow"), ["compute", "--frames", root.appendingPathComponent("a").path,
                                                                          "--out", root.appendingPathComponent("flow").path,
                                                                          "--method", "dis", "--preset", "ultrafast"],
                                       environment: ProcessInfo.processInfo.environment.merging(["VIMO_PROGRESS_SECONDS": "0"]) { $1 })
        XCTAssertEqual(flow.status, 0, flow.stderr)
        XCTAssertFalse(flow.stderr.contains("\r"))
        XCTAssertTrue(flow.stderr.split(separator: "\n").contains { $0.range(of: #" \d+/\d+ pairs$"#, options: .regularExpression) != nil },
                      flow.stderr)
        // A pseudo-terminal: the line is rewritten in place.
        let command = [decode, "--dataset", dataset.path, "--out", root.appendingPathComponent("b").path, "--workers", "1"]
            .map { "'" + $0 + "'" }.joined(separator: " ")
        let terminal = try TestSupport.run("/usr/bin/script", ["-qfec", command, "/dev/null"])
        let screen = String(decoding: terminal.stdout, as: UTF8.self)
        XCTAssertEqual(terminal.status, 0, screen + terminal.stderr)
        XCTAssertTrue(screen.contains("\r\u{1B}[K["), "rewritten in place: \(screen.debugDescription)")
    }
}
