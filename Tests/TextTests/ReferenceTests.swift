import Foundation
import TestSupport
import Text
import XCTest

/// Reruns make_tokenizer_golden.py with the reference venv, so a drift between the checked-in golden file
/// and OpenAI's tokenizer (or the script) is caught, and loads the vocab.json + merges.txt that
/// transformers itself saves.
final class ReferenceTests: XCTestCase {
    /// The script's outputs, made once for both tests (it takes a few seconds).
    private struct Outputs {
        var golden: URL
        var transformersFolder: URL
    }

    private static let outputs = Result<Outputs, Error> {
        let python = TextFixtures.referencePython
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw XCTSkip("\(python.path) is missing (`make bootstrap` sets up the reference venv); the golden file is not re-checked")
        }
        let folder = try TestSupport.temporaryFolder("vimo-text-ref")
        let outputs = Outputs(golden: folder.appendingPathComponent("tokenizer_golden.json"),
                              transformersFolder: folder.appendingPathComponent("hf"))
        let result = try TestSupport.run(python.path, [
            TextFixtures.script.path, "--output", outputs.golden.path, "--hf-folder", outputs.transformersFolder.path,
            "--classes", TestSupport.sharedFolder.appendingPathComponent("ak/df_action.csv").path,
        ])
        guard result.status == 0 else {
            throw TextFixtures.Missing(description: "make_tokenizer_golden.py exited with \(result.status): \(result.stderr)")
        }
        return outputs
    }

    override class func tearDown() {
        if case let .success(outputs) = outputs {
            try? FileManager.default.removeItem(at: outputs.golden.deletingLastPathComponent())
        }
        super.tearDown()
    }

    private func runScript() throws -> (golden: URL, transformersFolder: URL) {
        let outputs = try Self.outputs.get()
        return (outputs.golden, outputs.transformersFolder)
    }

    func testRegeneratedGoldenFileEqualsTheCheckedInOne() throws {
        let (golden, _) = try runScript()
        let fresh = try String(contentsOf: golden, encoding: .utf8)
        let checkedIn = try String(contentsOf: TextFixtures.goldenURL, encoding: .utf8)
        if fresh != checkedIn {
            let freshLines = fresh.split(separator: "\n"), oldLines = checkedIn.split(separator: "\n")
            let common = min(freshLines.count, oldLines.count)
            let first = (0 ..< common).first { freshLines[$0] != oldLines[$0] } ?? common
            XCTFail("the reference gives a different golden file from line \(first + 1) on; rerun "
                    + "make_tokenizer_golden.py and review the diff")
        }
    }

    func testTransformersSavedVocabularyGivesTheGoldenIds() throws {
        let (_, folder) = try runScript()
        let tokenizer = try CLIPVocabularyLoader.load(contentsOf: folder)
        let golden = try TextFixtures.golden()
        for entry in golden.encode { XCTAssertEqual(tokenizer.encode(entry.text), entry.ids, entry.text.debugDescription) }
    }
}
