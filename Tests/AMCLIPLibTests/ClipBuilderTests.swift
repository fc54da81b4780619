import AMCLIP
import Media
import Models
import TestSupport
import Torch
import XCTest

/// ClipBuilder against an independent computation: FlowColor.image called directly, normalisation by hand,
/// mirroring by hand.
final class ClipBuilderTests: XCTestCase {
    static let width = 6, height = 4
    static let normalization = ImageNormalization.imageNet

    /// Rows of fixture video 2 at `indices` (frames and flow), as ClipSource would give them.
    func rows(_ indices: [Int]) -> VideoRows {
        let w = Self.width, h = Self.height, plane = w * h
        let allFrames = ClipFixtures.frames(video: 2, count: 10, width: w, height: h)
        let allFlow = ClipFixtures.fields(video: 2, count: 9, width: w, height: h)
        return VideoRows(video: "V2", indices: indices, height: h, width: w,
                         frames: indices.flatMap { allFrames[($0 * plane * 3)..<(($0 + 1) * plane * 3)] },
                         flow: indices.flatMap { allFlow[($0 * 2 * plane)..<(($0 + 1) * 2 * plane)].map { Float16($0) } })
    }

    /// The expected RGB image of fixture frame f, mirrored when asked.
    func frame(_ f: Int, flip: Bool) -> [UInt8] {
        var out: [UInt8] = []
        for y in 0..<Self.height {
            for x in 0..<Self.width {
                for c in 0..<3 { out.append(ClipFixtures.pixel(video: 2, frame: f, y: y, x: flip ? Self.width - 1 - x : x, c: c)) }
            }
        }
        return out
    }

    /// The expected flow image of fixture field f: mirrored and u negated when flipped.
    func flowImage(_ f: Int, flip: Bool) -> [UInt8] {
        var u: [Float] = [], v: [Float] = []
        for y in 0..<Self.height {
            for x in 0..<Self.width {
                let value = ClipFixtures.flow(video: 2, field: f, y: y, x: flip ? Self.width - 1 - x : x)
                u.append(flip ? -value.u : value.u)
                v.append(value.v)
            }
        }
        return FlowColor.image(u: u, v: v, width: Self.width, height: Self.height)
    }

    func assertClose(_ got: ArraySlice<Float>, _ want: [Float], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, message, file: file, line: line)
        let worst = zip(got, want).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst, 1e-5, message, file: file, line: line)
    }

    func testEachModalityGivesItsImagesInOrder() throws {
        let indices = [1, 4, 4, 8]
        for flip in [false, true] {
            for modality in Modality.allCases {
                let builder = ClipBuilder(modality: modality, normalization: Self.normalization, resolution: 8)
                var expected: [[UInt8]] = []
                for s in indices {
                    if modality.needsFrames { expected.append(frame(s, flip: flip)) }
                    if modality.needsFlow { expected.append(flowImage(s, flip: flip)) }
                }
                XCTAssertEqual(expected.count, modality.modelFrames(indices: indices.count))
                XCTAssertEqual(try builder.images(rows(indices), flip: flip), expected.flatMap { $0 },
                               "\(modality) flip=\(flip): images in order [I_s1, F_s1, I_s2, F_s2, …]")
            }
        }
    }

    func testClipTensorIsNormalisedPixelwiseAndInterleaved() throws {
        // A square cache at the model's resolution: no resize, so every value can be checked.
        let side = 5, plane = side * side, indices = [0, 2, 3]
        let frames = ClipFixtures.frames(video: 1, count: 4, width: side, height: side)
        let flow = ClipFixtures.fields(video: 1, count: 4, width: side, height: side)
        let rows = VideoRows(video: "SQ", indices: indices, height: side, width: side,
                             frames: indices.flatMap { frames[($0 * plane * 3)..<(($0 + 1) * plane * 3)] },
                             flow: indices.flatMap { flow[($0 * 2 * plane)..<(($0 + 1) * 2 * plane)].map { Float16($0) } })
        for flip in [false, true] {
            let clip = try ClipBuilder(modality: .rgbFlow, normalization: .clip, resolution: side).clip(rows, flip: flip)
            XCTAssertEqual(clip.shape, [6, 3, side, side])
            let values = try clip.toArray(Float.self)
            for (k, s) in indices.enumerated() {
                var rgb: [UInt8] = [], u: [Float] = [], v: [Float] = []
                for y in 0..<side {
                    for x in 0..<side {
                        let sx = flip ? side - 1 - x : x
                        for c in 0..<3 { rgb.append(ClipFixtures.pixel(video: 1, frame: s, y: y, x: sx, c: c)) }
                        let f = ClipFixtures.flow(video: 1, field: s, y: y, x: sx)
                        u.append(flip ? -f.u : f.u)
                        v.append(f.v)
                    }
                }
                let flowRGB = FlowColor.image(u: u, v: v, width: side, height: side)
                for (slot, image) in [(2 * k, rgb), (2 * k + 1, flowRGB)] {
                    var want = [Float](repeating: 0, count: 3 * plane)
                    for c in 0..<3 {
                        for p in 0..<plane {
                            want[c * plane + p] = (Float(image[p * 3 + c]) / 255 - Float(ImageNormalization.clip.mean[c])) / Float(ImageNormalization.clip.std[c])
                        }
                    }
                    assertClose(values[(slot * 3 * plane)..<((slot + 1) * 3 * plane)], want, "image \(slot) (index \(s), flip \(flip))")
                }
            }
        }
    }

    /// Mirroring a field and negating u is the flip of the motion: uniform rightward motion flipped draws as
    /// uniform leftward motion (a different hue), not as the same colour.
    func testFlipReversesHorizontalMotion() throws {
        let side = 4, plane = side * side
        func rows(u: Float, v: Float) -> VideoRows {
            VideoRows(video: "M", indices: [0], height: side, width: side, frames: [],
                      flow: [Float16](repeating: Float16(u), count: plane) + [Float16](repeating: Float16(v), count: plane))
        }
        let builder = ClipBuilder(modality: .flow, normalization: .clip, resolution: side)
        let right = try builder.images(rows(u: 3, v: 1), flip: true)
        let left = try builder.images(rows(u: -3, v: 1), flip: false)
        XCTAssertEqual(right, left)
        XCTAssertNotEqual(right, try builder.images(rows(u: 3, v: 1), flip: false), "flipping must change the hue of horizontal motion")
        // Vertical motion keeps its colour.
        XCTAssertEqual(try builder.images(rows(u: 0, v: 2), flip: true), try builder.images(rows(u: 0, v: 2), flip: false))
    }

    func testResizeAndBatch() throws {
        let rows = rows([0, 5])
        let builder = ClipBuilder(modality: .rgbFlow, normalization: Self.normalization, resolution: 8)
        let clip = try builder.clip(rows, flip: false)
        XCTAssertEqual(clip.shape, [4, 3, 8, 8])
        // The resize is F.interpolate of the normalised-later image: check against that route.
        let pixels = try builder.images(rows, flip: false)
        let x = try Tensor(pixels, shape: [4, Self.height, Self.width, 3]).permuted([0, 3, 1, 2]).to(.float32) / 255
        let mean = try Tensor(Self.normalization.mean.map(Float.init), shape: [1, 3, 1, 1])
        let std = try Tensor(Self.normalization.std.map(Float.init), shape: [1, 3, 1, 1])
        let want = try (F.interpolate(x, size: (8, 8)) - mean) / std
        assertClose(try clip.toArray(Float.self)[...], try want.toArray(Float.self), "resized clip")

        let batch = try ClipBuilder.batch([clip, try builder.clip(rows, flip: true), clip])
        XCTAssertEqual(batch.shape, [3, 4, 3, 8, 8])
        XCTAssertEqual(try batch.at(2).toArray(Float.self), try clip.toArray(Float.self))
        XCTAssertThrowsError(try ClipBuilder.batch([clip, try ClipBuilder(modality: .rgb, normalization: Self.normalization, resolution: 8).clip(rows, flip: false)]))
        XCTAssertThrowsError(try ClipBuilder.batch([]))
    }

    func testBadFlowAndBadRowsAreRefusedNamingTheVideo() throws {
        var damaged = rows([2, 3])
        damaged.flow[7] = .nan
        damaged.flow[2 * Self.width * Self.height + 1] = .infinity
        let builder = ClipBuilder(modality: .rgbFlow, normalization: Self.normalization, resolution: 8)
        XCTAssertThrowsError(try builder.clip(damaged, flip: false)) { error in
            XCTAssertEqual(error as? ClipError, .nonFiniteFlow(video: "V2", field: 2, values: 1))
        }
        var short = rows([2, 3])
        short.frames.removeLast()
        XCTAssertThrowsError(try builder.clip(short, flip: false)) { error in
            XCTAssertTrue(error.localizedDescription.hasPrefix("V2:"), error.localizedDescription)
        }
        // RGB alone needs no flow rows.
        var rgbOnly = rows([2, 3])
        rgbOnly.flow = []
        XCTAssertEqual(try ClipBuilder(modality: .rgb, normalization: Self.normalization, resolution: 8).clip(rgbOnly, flip: false).shape, [2, 3, 8, 8])
    }
}
