import AMCLIP
import Foundation
import Models
import Store
import TestSupport
import Torch
import XCTest

/// Clips from real decode + flow shards: the right rows, in order, with repeats; the one-frame video; folders
/// that do not belong together.
final class ClipSourceTests: XCTestCase {
    static let width = 6, height = 5
    static let videos = [("ONE", 1), ("TWO", 2), ("FIVE", 5), ("LONG", 40)]

    func folders(flowCounts: [String: Int] = [:]) throws -> (frames: URL, flow: URL) {
        let root = try TestSupport.temporaryFolder("vimo-amclip-source")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        return try ClipFixtures.write(to: root, videos: Self.videos, width: Self.width, height: Self.height, flowCounts: flowCounts)
    }

    func testReadsExactlyTheSampledRowsInOrder() throws {
        let (frames, flow) = try folders()
        let source = try ClipSource(frames: frames, flow: flow)
        XCTAssertEqual(source.videos, ["FIVE", "LONG", "ONE", "TWO"])
        XCTAssertEqual(try source.frameCount(of: "LONG"), 40)
        let plane = Self.width * Self.height
        let indices = [38, 3, 3, 4, 5, 20, 0]
        let rows = try source.read(video: "LONG", indices: indices, modality: .rgbFlow)
        XCTAssertEqual(rows.indices, indices)
        let allFrames = ClipFixtures.frames(video: 3, count: 40, width: Self.width, height: Self.height)
        let allFlow = ClipFixtures.fields(video: 3, count: 39, width: Self.width, height: Self.height)
        XCTAssertEqual(rows.frames, indices.flatMap { allFrames[($0 * plane * 3)..<(($0 + 1) * plane * 3)] })
        XCTAssertEqual(rows.flow.map(Float.init), indices.flatMap { allFlow[($0 * 2 * plane)..<(($0 + 1) * 2 * plane)] })
        XCTAssertEqual(try source.read(video: "LONG", indices: indices, modality: .rgb).flow, [], "rgb reads no flow")
        XCTAssertEqual(try source.read(video: "LONG", indices: indices, modality: .flow).frames, [], "flow reads no frames")
        XCTAssertThrowsError(try source.read(video: "LONG", indices: [39], modality: .rgbFlow), "field 39 does not exist")
        XCTAssertThrowsError(try source.read(video: "NOPE", indices: [0], modality: .rgb)) { error in
            XCTAssertTrue(error.localizedDescription.contains("NOPE"), error.localizedDescription)
        }
    }

    /// A cache of many shards: at most `openShards` files stay open, and rows read after an eviction are still right.
    func testOpenShardFilesAreBounded() throws {
        let root = try TestSupport.temporaryFolder("vimo-amclip-shards")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let videos = (0..<24).map { ("V\(String(format: "%02d", $0))", 3) }
        let (frames, flow) = try ClipFixtures.write(to: root, videos: videos, width: Self.width, height: Self.height, videosPerShard: 1)
        let source = try ClipSource(frames: frames, flow: flow)
        let plane = Self.width * Self.height
        for round in 0..<2 {
            for (v, (id, _)) in videos.enumerated() {
                let rows = try source.read(video: id, indices: [1], modality: .rgbFlow)
                let expected = ClipFixtures.frames(video: v, count: 3, width: Self.width, height: Self.height)
                XCTAssertEqual(rows.frames, Array(expected[(plane * 3)..<(2 * plane * 3)]), "\(id), round \(round)")
                XCTAssertLessThanOrEqual(source.openShardCount, ClipSource.openShards)
            }
        }
        XCTAssertEqual(source.openShardCount, ClipSource.openShards, "48 shard files read, 16 open")
    }

    func testPipelineClipsAreTheSamplersRowsThroughTheBuilder() throws {
        let (frames, flow) = try folders()
        let source = try ClipSource(frames: frames, flow: flow)
        let sampler = try Sampler(scheme: .sparse(frames: 4), classifiers: 3, seed: 9)
        let builder = ClipBuilder(modality: .rgbFlow, normalization: .imageNet, resolution: 8)
        let pipeline = try ClipPipeline(source: source, sampler: sampler, builder: builder)
        XCTAssertEqual(pipeline.modelFrames, 8)
        for (video, n) in Self.videos where n >= 2 {
            for m in 0..<3 {
                let chosen = try pipeline.indices(video: video, classifier: m, epoch: 2, training: true)
                XCTAssertEqual(chosen, sampler.indices(video: video, fields: n - 1, classifier: m, epoch: 2, training: true))
                let clip = try pipeline.clip(video: video, classifier: m, epoch: 2, training: true, flip: m == 1)
                let want = try builder.clip(source.read(video: video, indices: chosen, modality: .rgbFlow), flip: m == 1)
                XCTAssertEqual(clip.shape, [8, 3, 8, 8])
                XCTAssertEqual(try clip.toArray(Float.self), try want.toArray(Float.self), "\(video) m=\(m)")
            }
        }
        // All M classifiers from one read equal the clips made one by one.
        for flip in [false, true] {
            let all = try pipeline.clips(video: "LONG", epoch: 1, training: true, flip: flip)
            XCTAssertEqual(all.shape, [3, 8, 3, 8, 8])
            for m in 0..<3 {
                XCTAssertEqual(try all.at(m).toArray(Float.self),
                               try pipeline.clip(video: "LONG", classifier: m, epoch: 1, training: true, flip: flip).toArray(Float.self), "m=\(m)")
            }
        }
        // Every classifier's clips of several videos, built at once: each video as clips(video:) gives it.
        let all = try pipeline.clips(videos: ["LONG", "TWO", "FIVE"], epoch: 3, training: true, flips: [true, false, false])
        XCTAssertEqual(all.shape[0...1], [3, pipeline.sampler.classifiers])
        for (b, (video, flip)) in zip(["LONG", "TWO", "FIVE"], [true, false, false]).enumerated() {
            XCTAssertEqual(try all.at(b).toArray(Float.self),
                           try pipeline.clips(video: video, epoch: 3, training: true, flip: flip).toArray(Float.self), video)
        }
        XCTAssertThrowsError(try pipeline.clips(videos: ["TWO", "NOPE"], epoch: 0, training: false, flips: [false, false]))
        let batch = try pipeline.batch(videos: ["TWO", "FIVE", "LONG"], classifier: 0, epoch: 0, training: false, flips: [false, true, false])
        XCTAssertEqual(batch.shape, [3, 8, 3, 8, 8])
    }

    func testTheOneFrameVideo() throws {
        let (frames, flow) = try folders()
        let source = try ClipSource(frames: frames, flow: flow)
        let sampler = try Sampler(scheme: .dense(frames: 4), classifiers: 2, seed: 0)
        // RGB alone: its one frame, repeated.
        let rgb = try ClipPipeline(source: source, sampler: sampler, builder: ClipBuilder(modality: .rgb, normalization: .imageNet, resolution: 8))
        XCTAssertEqual(try rgb.indices(video: "ONE", classifier: 1, epoch: 0, training: true), [0, 0, 0, 0])
        XCTAssertEqual(try rgb.clip(video: "ONE", classifier: 1, epoch: 0, training: true).shape, [4, 3, 8, 8])
        // With flow: an item problem that names the video and says why.
        for modality in [Modality.flow, .rgbFlow] {
            let pipeline = try ClipPipeline(source: source, sampler: sampler,
                                            builder: ClipBuilder(modality: modality, normalization: .imageNet, resolution: 8))
            XCTAssertThrowsError(try pipeline.clip(video: "ONE", classifier: 0, epoch: 0, training: true)) { error in
                XCTAssertEqual(error as? ClipError, .noFlow(video: "ONE", frames: 1, modality: modality))
                XCTAssertEqual(error.localizedDescription,
                               "ONE: 1 frame, so no flow field (flow needs 2 frames); \(modality) clips cannot be made for it (rgb clips can)")
            }
            // The two-frame video has one field: every index is 0.
            XCTAssertEqual(try pipeline.indices(video: "TWO", classifier: 1, epoch: 0, training: true), [0, 0, 0, 0])
            XCTAssertNoThrow(try pipeline.clip(video: "TWO", classifier: 1, epoch: 0, training: true))
        }
    }

    func testFoldersThatDoNotBelongTogetherAreRefused() throws {
        let (frames, flow) = try folders(flowCounts: ["FIVE": 3])
        let source = try ClipSource(frames: frames, flow: flow)
        XCTAssertThrowsError(try source.read(video: "FIVE", indices: [0], modality: .flow)) { error in
            XCTAssertEqual(error as? ClipError, .flowCountMismatch(video: "FIVE", frames: 5, fields: 3, folder: flow.path))
        }
        XCTAssertNoThrow(try source.read(video: "FIVE", indices: [0], modality: .rgb))
        // Flow clips need a flow folder.
        let rgbOnly = try ClipSource(frames: frames, flow: nil)
        XCTAssertThrowsError(try ClipPipeline(source: rgbOnly, sampler: try Sampler(scheme: .dense(frames: 2), classifiers: 1, seed: 0),
                                              builder: ClipBuilder(modality: .rgbFlow, normalization: .imageNet, resolution: 8)))
        // A flow folder given as the decode folder.
        XCTAssertThrowsError(try ClipSource(frames: flow, flow: nil)) { error in
            XCTAssertTrue(error.localizedDescription.contains("RGB frames"), error.localizedDescription)
        }
    }

    /// `ClipPipeline.jitter` recolours the RGB images of training clips only, one draw per video and epoch for all
    /// M classifiers, and never the flow images.
    func testColorJitterTouchesTrainingRGBImagesOnly() throws {
        let (frames, flow) = try folders()
        let source = try ClipSource(frames: frames, flow: flow)
        let sampler = try Sampler(scheme: .dense(frames: 3), classifiers: 2, seed: 5)
        let plain = try ClipPipeline(source: source, sampler: sampler, builder: ClipBuilder(modality: .rgbFlow, normalization: .imageNet, resolution: 8))
        var jittered = plain
        jittered.jitter = .xclip
        var recoloured = 0
        for epoch in 0..<6 {
            let a = try plain.clips(video: "LONG", epoch: epoch, training: true).toArray(Float.self)
            let b = try jittered.clips(video: "LONG", epoch: epoch, training: true).toArray(Float.self)
            let image = 3 * 8 * 8  // (M, T, 3, R, R): T alternates RGB, flow
            for slot in 0..<(a.count / image) {
                let same = Array(a[(slot * image)..<((slot + 1) * image)]) == Array(b[(slot * image)..<((slot + 1) * image)])
                if slot % 2 == 1 { XCTAssertTrue(same, "epoch \(epoch) slot \(slot): a flow image changed") } else if !same { recoloured += 1 }
            }
            let draw = ColorJitter.xclip.draw(sampler.random, key: ["LONG", String(epoch)])
            let rgbSlotsChanged = (0..<(a.count / image)).filter { $0 % 2 == 0 }.contains {
                Array(a[($0 * image)..<(($0 + 1) * image)]) != Array(b[($0 * image)..<(($0 + 1) * image)])
            }
            XCTAssertEqual(rgbSlotsChanged, !draw.isIdentity, "epoch \(epoch): the keyed draw decides")
            XCTAssertEqual(try plain.clips(video: "LONG", epoch: epoch, training: false).toArray(Float.self),
                           try jittered.clips(video: "LONG", epoch: epoch, training: false).toArray(Float.self), "no jitter at test time")
        }
        XCTAssertGreaterThan(recoloured, 0)
    }
}
