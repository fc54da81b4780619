import Foundation
import XCTest
@testable import Torch

/// Every committed fixture, read through the format-detecting reader, matches what PyTorch says it holds.
final class FixtureReadingTests: XCTestCase {
    private func checkFixture(_ fixture: String, file: StaticString = #filePath, line: UInt = #line) throws -> Checkpoint {
        let expectation = CheckpointFixtures.expectation(fixture)
        let checkpoint = try CheckpointReader.read(CheckpointFixtures.url(fixture))
        XCTAssertEqual(checkpoint.format.rawValue, expectation.format, "\(fixture): format", file: file, line: line)
        XCTAssertEqual(checkpoint.names, expectation.tensors!.map(\.name).sorted(),
                       "\(fixture): exactly the expected tensor names", file: file, line: line)
        for row in expectation.tensors! {
            assertMatches(checkpoint[row.name], row, fixture: fixture, file: file, line: line)
        }
        XCTAssertEqual(checkpoint.metadata, expectation.metadata, "\(fixture): metadata", file: file, line: line)
        return checkpoint
    }

    func testStateDictOrderedDictWithViewsSharedStoragesAndEveryDType() throws {
        let checkpoint = try checkFixture("state_dict.pth")
        XCTAssertEqual(checkpoint["attn.in_proj_weight"]?.shape, [24, 8])
        XCTAssertEqual(checkpoint["bn.num_batches_tracked"]?.dtype, .i64)
        XCTAssertEqual(checkpoint["transposed"]?.shape, [5, 3])
        XCTAssertEqual(Set(checkpoint.tensors.values.map(\.dtype)), Set(CheckpointDType.allCases))
    }

    func testTrainingCheckpointDictFlattensToDottedNamesAndScalarMetadata() throws {
        let checkpoint = try checkFixture("checkpoint_dict.pth")
        XCTAssertEqual(checkpoint.metadata["epoch"], "7")
        let model = checkpoint.stripping(prefix: "model")
        XCTAssertEqual(model.names, try CheckpointReader.read(CheckpointFixtures.url("state_dict.pth")).names)
        XCTAssertEqual(model["lin.weight"], try CheckpointReader.read(CheckpointFixtures.url("state_dict.pth"))["lin.weight"])
    }

    func testPlainDictWithTransposedViewsAndLists() throws {
        let checkpoint = try checkFixture("plain_dict.pth")
        XCTAssertEqual(checkpoint["nested.list.1"]?.dtype, .bool)
    }

    func testTorchScriptArchiveNamesTensorsLikeStateDict() throws {
        let checkpoint = try checkFixture("scripted.pt")
        XCTAssertEqual(checkpoint["visual.transformer.resblocks.0.attn.in_proj_weight"]?.dtype, .f16)
        XCTAssertEqual(checkpoint["logit_scale"]?.shape, [])
        // Tied weights: two names, one storage, equal bytes.
        XCTAssertEqual(checkpoint["decoder.weight"]?.data, checkpoint["token_embedding.weight"]?.data)
        XCTAssertNil(checkpoint["transformer.resblocks.0.attn_mask"], "plain attributes are not state_dict entries")
    }

    func testTorchScriptPlainTensorAttributesOnRequest() throws {
        let expectation = CheckpointFixtures.expectation("scripted.pt")
        let checkpoint = try CheckpointReader.readTorchScript(CheckpointFixtures.url("scripted.pt"), includeAttributes: true)
        let expectedNames = (expectation.tensors! + expectation.attributes!).map(\.name).sorted()
        XCTAssertEqual(checkpoint.names, expectedNames)
        for row in expectation.attributes! {
            assertMatches(checkpoint[row.name], row, fixture: "scripted.pt")
        }
    }

    func testSafetensorsFixtureWithMetadataAndUnsortedOffsets() throws {
        let checkpoint = try checkFixture("tensors.safetensors")
        XCTAssertEqual(checkpoint["empty"]?.shape, [0, 2])
        XCTAssertEqual(checkpoint["scalar"]?.shape, [])
    }

    func testFormatDetectionIsByContentNotExtension() throws {
        let folder = try CheckpointFixtures.temporaryFolder(self)
        let pairs: [(String, CheckpointFormat)] = [("state_dict.pth", .torchZip), ("scripted.pt", .torchScript),
                                                   ("tensors.safetensors", .safetensors)]
        for (fixture, format) in pairs {
            let disguised = folder.appendingPathComponent(fixture + ".bin")
            try FileManager.default.copyItem(at: CheckpointFixtures.url(fixture), to: disguised)
            XCTAssertEqual(try CheckpointReader.format(of: disguised), format, fixture)
            XCTAssertEqual(try CheckpointReader.read(disguised).names, try CheckpointReader.read(CheckpointFixtures.url(fixture)).names)
        }
    }

    func testFormatSpecificEntryPointsAgreeWithDetection() throws {
        let zip = try CheckpointReader.readTorchZip(CheckpointFixtures.url("state_dict.pth"))
        XCTAssertEqual(zip.names, try CheckpointReader.read(CheckpointFixtures.url("state_dict.pth")).names)
        let safe = try CheckpointReader.readSafetensors(CheckpointFixtures.url("tensors.safetensors"))
        XCTAssertEqual(safe.metadata["format"], "pt")
        let script = try CheckpointReader.readTorchScript(CheckpointFixtures.url("scripted.pt"))
        XCTAssertEqual(script.metadata["torchscript.class"], "__torch__.MiniCLIP")
    }

    func testLegacyTorchSaveFormatIsRejectedWithAClearMessage() throws {
        let url = CheckpointFixtures.url("legacy.pth")
        for read in [CheckpointReader.read, CheckpointReader.readTorchZip] {
            let error = assertCheckpointError(url) { try read(url) }
            XCTAssertEqual(error, .legacyTorchFormat(file: url.path))
            XCTAssertTrue(error?.errorDescription?.contains("torch>=1.6") == true)
        }
    }
}
