import Foundation
import TestSupport
import Text
import XCTest

/// Reruns make_tokenizer_golden.py with the reference venv, so a drift between the checked-in golden file
/// and OpenAI's tokenizer (or the script) is caught, and loads the vocab.json + merges.txt that
/// transformers itself saves.
final class ReferenceTests: XCTestCase {
    private func runScript() throws -> (golden: URL, transformersFolder: URL) {
        let python = TextFixtures.referencePython
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw XCTSkip("\(python.path) is missing (`make bootstrap` sets up the reference venv); the golden file is not re-checked")
        }
        let folder = try TestSupport.temporaryFolder("vimo-text-ref")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let golden = folder.appendingPathComponent("tokenizer_golden.json")
        let transformers = folder.appendingPathComponent("hf")
        let result = try TestSupport.run(python.path, [
            TextFixtures.script.path, "--output", golden.path, "--hf-folder", transformers.path,
            "--classes", TestSupport.sharedFolder.appendingPathComponent("ak/df_action.csv").path,
        ])
        guard result.status == 0 else {
            XCTFail("make_tokenizer_golden.py exited with \(result.status): \(result.stderr)")
            throw TextFixtures.Missing(description: "the reference script failed")
        }
        return (golden, transformers)
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
