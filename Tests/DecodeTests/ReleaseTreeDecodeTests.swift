import Datasets
import Foundation
import Media
import Store
import TestSupport
import XCTest

/// vimo-decode on the Animal Kingdom release as it unpacks (xlsx class list and metadata,
/// dataset/video, dataset/image), with no preparation step.
final class ReleaseTreeDecodeTests: XCTestCase {
    var root: URL!
    var top: URL { root.appendingPathComponent("Animal_Kingdom") }
    var release: URL { top.appendingPathComponent("action_recognition") }

    override func setUpWithError() throws {
        root = try TestSupport.temporaryFolder("vimo-release")
        let synthetic = root.appendingPathComponent("synthetic")
        clips = try SyntheticDataset.generate(at: synthetic, spec: .init(clips: 4, frames: 6, width: 96, height: 72,
                                                                          valFraction: 0.5, seed: 3, keyframeInterval: 5))
        try TestSupport.makeAnimalKingdomRelease(from: synthetic, at: top, images: true)
        try FileManager.default.removeItem(at: synthetic)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    var clips: [SyntheticDataset.Clip] = []

    func decode(_ dataset: URL, out: String, _ extra: [String] = []) throws -> TestSupport.ProcessResult {
        try TestSupport.run(TestSupport.product("vimo-decode"),
                            ["--dataset", dataset.path, "--out", root.appendingPathComponent(out).path] + extra)
    }

    func frames(_ out: String, _ id: String) throws -> (pixels: [UInt8], indices: [Int32]) {
        let index = try ShardIndex.build(directory: root.appendingPathComponent(out))
        let entry = try XCTUnwrap(index[id], "\(id) in \(out)")
        let reader = try ShardReader(url: entry.shard)
        return (try reader.readFrames(rows: entry.rows), try reader.frameIndex(rows: entry.rows))
    }

    func testTheReleaseDecodesFromItsTopFolderFromVideosAndFromFrames() throws {
        let result = try decode(top, out: "videos")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("using \(release.path)"), result.stderr)
        let index = try ShardIndex.build(directory: root.appendingPathComponent("videos"))
        XCTAssertEqual(index.items, clips.map(\.id).sorted())
        let first = clips[0].id
        let reference = try TestSupport.ffmpegReferenceFrames(release.appendingPathComponent("dataset/video/\(first).mp4"))
        XCTAssertTrue(try frames("videos", first).pixels == Array(reference.joined()), "frames equal the ffmpeg CLI's")

        // From the JPEG folders: the CLI's image2 decode of the same files, indices from the file numbers.
        let images = try decode(top, out: "images", ["--frames-from", "images"])
        XCTAssertEqual(images.status, 0, images.stderr)
        for clip in clips {
            let folder = release.appendingPathComponent("dataset/image/\(clip.id)")
            let cli = try TestSupport.ffmpegReferenceFrames(input: ["-start_number", "0", "-i", folder.appendingPathComponent("\(clip.id)_%06d.jpg").path])
            let stored = try frames("images", clip.id)
            XCTAssertEqual(stored.indices, (0..<Int32(clip.frames)).map { $0 })
            XCTAssertTrue(stored.pixels == Array(cli.joined()), "\(clip.id): frames equal the CLI's image2 decode")
        }
        // A frame folder's source digest is its files' content: touching a file's time changes nothing.
        let again = try decode(top, out: "images", ["--frames-from", "images"])
        XCTAssertEqual(again.status, 0, again.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("images/summary-decode.json"))) as! [String: Any]
        XCTAssertEqual(summary["processed"] as? Int, 0)
        XCTAssertEqual(summary["already_cached"] as? Int, clips.count)
    }

    func testAMissingVideoFailsOnlyItsItemAndSaysWhichOptionLetsTheRunGoOn() throws {
        let missing = clips[1].id
        try FileManager.default.removeItem(at: release.appendingPathComponent("dataset/video/\(missing).mp4"))
        let strict = try decode(release, out: "out", ["--frames-from", "videos"])
        XCTAssertEqual(strict.status, 1, strict.stderr)
        XCTAssertTrue(strict.stderr.contains("\(missing): video file dataset/video/\(missing).mp4 not found"), strict.stderr)
        XCTAssertTrue(strict.stderr.contains("--max-failures"), strict.stderr)
        XCTAssertEqual(Set(try ShardIndex.build(directory: root.appendingPathComponent("out")).items),
                       Set(clips.map(\.id)).subtracting([missing]), "the rest of the dataset was decoded")
        let tolerant = try decode(release, out: "out", ["--frames-from", "videos", "--max-failures", "1"])
        XCTAssertEqual(tolerant.status, 0, tolerant.stderr)

        // auto (the default) decodes that item from its frames instead.
        let auto = try decode(release, out: "out")
        XCTAssertEqual(auto.status, 0, auto.stderr)
        XCTAssertEqual(try ShardIndex.build(directory: root.appendingPathComponent("out")).items, clips.map(\.id).sorted())
    }

    func testVideosKeptElsewhereAreReadWithTheVideosOption() throws {
        let elsewhere = root.appendingPathComponent("videos-elsewhere")
        try FileManager.default.moveItem(at: release.appendingPathComponent("dataset/video"), to: elsewhere)
        try FileManager.default.removeItem(at: release.appendingPathComponent("dataset/image"))
        let result = try decode(release, out: "out", ["--videos", elsewhere.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try ShardIndex.build(directory: root.appendingPathComponent("out")).items, clips.map(\.id).sorted())
    }
}
