import AMCLIP
import XCTest

/// The temporal schemes' done-when properties over many (N, M, P, seed), plus hand-computed cases.
final class SamplerTests: XCTestCase {
    static let frameCounts = Array(1...40) + [63, 64, 65, 150, 301]
    static let classifierCounts = [1, 2, 3, 4, 5, 8]
    static let perClassifier = [1, 2, 3, 4, 8, 16]
    static let seeds: [UInt64] = [0, 7, .max]

    /// Every (scheme, M) the grid covers (semi-dense only with M ≥ 2, as Sampler requires).
    func samplers(seed: UInt64) throws -> [Sampler] {
        var out: [Sampler] = []
        for m in Self.classifierCounts {
            for p in Self.perClassifier {
                out.append(try Sampler(scheme: .dense(frames: p), classifiers: m, seed: seed))
                out.append(try Sampler(scheme: .sparse(frames: p), classifiers: m, seed: seed))
                if m >= 2 {
                    for inside in [1, p] { out.append(try Sampler(scheme: .semiDense(inside: inside, outside: max(1, p / 2)), classifiers: m, seed: seed)) }
                }
            }
        }
        return out
    }

    func testIndicesAreInBoundsSortedAndOfCountP() throws {
        for seed in Self.seeds {
            for sampler in try samplers(seed: seed) {
                for n in Self.frameCounts {
                    let fields = try Modality.rgbFlow.indexCount(frames: max(n, 2), video: "v")
                    for m in 0..<sampler.classifiers {
                        for training in [false, true] {
                            let chosen = sampler.indices(video: "v\(n)", fields: fields, classifier: m, epoch: 3, training: training)
                            XCTAssertEqual(chosen.count, sampler.frames, "\(sampler.scheme) M=\(sampler.classifiers) L=\(fields) m=\(m)")
                            XCTAssertTrue(chosen.allSatisfy { (0..<fields).contains($0) }, "\(sampler.scheme) L=\(fields) m=\(m): \(chosen)")
                            XCTAssertEqual(chosen, chosen.sorted(), "\(sampler.scheme) L=\(fields) m=\(m): temporal order")
                        }
                    }
                }
            }
        }
    }

    func testWindowsAreDisjointAndCoverTheVideo() throws {
        for m in Self.classifierCounts {
            let sampler = try Sampler(scheme: .dense(frames: 1), classifiers: m, seed: 0)
            for fields in 1...70 {
                let windows = (0..<m).map { sampler.window(classifier: $0, fields: fields) }
                XCTAssertEqual(windows.flatMap { Array($0) }, Array(0..<fields), "M=\(m) L=\(fields): \(windows)")
                for c in 0..<m {
                    let effective = sampler.effectiveWindow(classifier: c, fields: fields)
                    XCTAssertFalse(effective.isEmpty)
                    XCTAssertTrue(effective.lowerBound >= 0 && effective.upperBound <= fields)
                    if !windows[c].isEmpty { XCTAssertEqual(effective, windows[c]) }
                }
            }
        }
    }

    func testDenseStaysInsideItsWindow() throws {
        for m in Self.classifierCounts {
            for p in Self.perClassifier {
                let sampler = try Sampler(scheme: .dense(frames: p), classifiers: m, seed: 1)
                for fields in 1...120 {
                    for c in 0..<m {
                        let window = sampler.effectiveWindow(classifier: c, fields: fields)
                        let chosen = sampler.indices(video: "x", fields: fields, classifier: c, epoch: 0, training: true)
                        XCTAssertTrue(chosen.allSatisfy(window.contains), "dense:\(p) M=\(m) L=\(fields) m=\(c): \(chosen) ⊄ \(window)")
                        if fields >= m { XCTAssertEqual(window, sampler.window(classifier: c, fields: fields)) }
                        // Enough room: no repeats.
                        if window.count >= p { XCTAssertEqual(Set(chosen).count, p, "L=\(fields) m=\(c): \(chosen)") }
                    }
                }
            }
        }
    }

    func testSemiDensePutsExactlyP1InsideAndP2Outside() throws {
        for m in Self.classifierCounts where m >= 2 {
            for (inside, outside) in [(1, 1), (2, 1), (3, 5), (6, 2), (8, 8)] {
                let sampler = try Sampler(scheme: .semiDense(inside: inside, outside: outside), classifiers: m, seed: 2)
                for fields in 2...120 {
                    for c in 0..<m {
                        let window = sampler.effectiveWindow(classifier: c, fields: fields)
                        let chosen = sampler.indices(video: "x", fields: fields, classifier: c, epoch: 5, training: true)
                        XCTAssertEqual(chosen.filter(window.contains).count, inside, "semi-dense \(inside)+\(outside) M=\(m) L=\(fields) m=\(c): \(chosen), window \(window)")
                        XCTAssertEqual(chosen.filter { !window.contains($0) }.count, outside, "M=\(m) L=\(fields) m=\(c): \(chosen)")
                    }
                }
            }
        }
        // One field: nothing lies outside, so the outside indices repeat the window's (documented).
        let sampler = try Sampler(scheme: .semiDense(inside: 2, outside: 2), classifiers: 3, seed: 0)
        XCTAssertEqual(sampler.indices(video: "x", fields: 1, classifier: 1, epoch: 0, training: false), [0, 0, 0, 0])
    }

    func testSparseTakesOneIndexPerSegment() throws {
        for seed in Self.seeds {
            for m in Self.classifierCounts {
                for p in Self.perClassifier {
                    let sampler = try Sampler(scheme: .sparse(frames: p), classifiers: m, seed: seed)
                    for fields in Array(1...70) + [149, 300] {
                        for c in 0..<m {
                            for training in [false, true] {
                                let chosen = sampler.indices(video: "clip-\(fields)", fields: fields, classifier: c, epoch: 2, training: training)
                                for (k, index) in chosen.enumerated() {
                                    let segment = (k * fields / p)..<((k + 1) * fields / p)
                                    if segment.isEmpty {
                                        XCTAssertEqual(index, segment.lowerBound, "empty segment \(k) of L=\(fields), P=\(p)")
                                    } else {
                                        XCTAssertTrue(segment.contains(index), "sparse:\(p) L=\(fields) m=\(c) k=\(k): \(index) ∉ \(segment)")
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func testClassifiersDifferWhenTheVideoIsLongEnough() throws {
        for m in Self.classifierCounts where m >= 2 {
            for p in Self.perClassifier {
                // Dense: windows are non-empty and disjoint once L ≥ M, so the clips share no index.
                let dense = try Sampler(scheme: .dense(frames: p), classifiers: m, seed: 11)
                for length in [m, m + 1, 3 * m + 7, 149] {
                    let all = (0..<m).map { dense.indices(video: "long", fields: length, classifier: $0, epoch: 0, training: true) }
                    for a in 0..<m { for b in (a + 1)..<m { XCTAssertTrue(Set(all[a]).isDisjoint(with: all[b]), "dense:\(p) M=\(m) L=\(length): \(all)") } }
                }
                // Semi-dense: the parts inside the windows are disjoint; whole clips differ once the inside part
                // outnumbers what any other classifier can put in that window.
                let semi = try Sampler(scheme: .semiDense(inside: p, outside: 2), classifiers: m, seed: 11)
                for length in [m, m + 1, 3 * m + 7, 149] {
                    let all = (0..<m).map { semi.indices(video: "long", fields: length, classifier: $0, epoch: 0, training: true) }
                    let inside = (0..<m).map { c in all[c].filter(semi.effectiveWindow(classifier: c, fields: length).contains) }
                    for a in 0..<m { for b in (a + 1)..<m { XCTAssertTrue(Set(inside[a]).isDisjoint(with: inside[b]), "M=\(m) L=\(length): \(all)") } }
                    if p > 2 { XCTAssertEqual(Set(all).count, m, "semi-dense \(p)+2 M=\(m) L=\(length): \(all)") }
                }
                // Sparse at test: every segment of at least M fields puts the M classifiers at M different indices.
                let sparse = try Sampler(scheme: .sparse(frames: p), classifiers: m, seed: 11)
                for length in [m * p, m * p + 1, 3 * m * p + 7, max(149, m * p)] {
                    let all = (0..<m).map { sparse.indices(video: "long", fields: length, classifier: $0, epoch: 0, training: false) }
                    for k in 0..<p { XCTAssertEqual(Set(all.map { $0[k] }).count, m, "sparse:\(p) M=\(m) L=\(length): segment \(k) of \(all)") }
                    // In training positions are random: two classifiers may meet in a segment, but over ≥ 4
                    // segments of ≥ 9 fields whole clips coincide with probability below 10⁻³ per pair.
                    if p >= 4, length >= 9 * p {
                        let drawn = (0..<m).map { sparse.indices(video: "long", fields: length, classifier: $0, epoch: 0, training: true) }
                        XCTAssertEqual(Set(drawn).count, m, "sparse:\(p) M=\(m) L=\(length) training: \(drawn)")
                    }
                }
            }
        }
    }

    func testSameKeySameIndicesOtherEpochOtherIndices() throws {
        let video = "AAACXZTV"
        for seed in Self.seeds {
            for m in [1, 3] {
                for p in [4, 8, 16] {
                    let sampler = try Sampler(scheme: .sparse(frames: p), classifiers: m, seed: seed)
                    let again = try Sampler(scheme: .sparse(frames: p), classifiers: m, seed: seed)
                    let other = try Sampler(scheme: .sparse(frames: p), classifiers: m, seed: seed &+ 1)
                    for fields in [16 * p, 149, 300] {
                        for c in 0..<m {
                            let first = sampler.indices(video: video, fields: fields, classifier: c, epoch: 4, training: true)
                            XCTAssertEqual(first, again.indices(video: video, fields: fields, classifier: c, epoch: 4, training: true))
                            XCTAssertEqual(first, sampler.indices(video: video, fields: fields, classifier: c, epoch: 4, training: true))
                            XCTAssertNotEqual(first, sampler.indices(video: video, fields: fields, classifier: c, epoch: 5, training: true),
                                              "seed \(seed) P=\(p) L=\(fields): epochs 4 and 5 drew the same clip")
                            XCTAssertNotEqual(first, other.indices(video: video, fields: fields, classifier: c, epoch: 4, training: true))
                            XCTAssertNotEqual(first, sampler.indices(video: video + "X", fields: fields, classifier: c, epoch: 4, training: true))
                            // Test time is fixed: no dependence on epoch or seed.
                            let test = sampler.indices(video: video, fields: fields, classifier: c, epoch: 4, training: false)
                            XCTAssertEqual(test, other.indices(video: video + "Y", fields: fields, classifier: c, epoch: 9, training: false))
                        }
                    }
                }
            }
        }
        // Dense and semi-dense are deterministic in the video alone.
        for scheme: TemporalScheme in [.dense(frames: 8), .semiDense(inside: 6, outside: 2)] {
            let a = try Sampler(scheme: scheme, classifiers: 3, seed: 1), b = try Sampler(scheme: scheme, classifiers: 3, seed: 2)
            XCTAssertEqual(a.indices(video: "v", fields: 149, classifier: 1, epoch: 0, training: true),
                           b.indices(video: "w", fields: 149, classifier: 1, epoch: 7, training: false))
        }
    }

    /// The formulas of XCLIP.md, worked by hand.
    func testHandComputedCases() throws {
        let dense = try Sampler(scheme: .dense(frames: 4), classifiers: 2, seed: 0)
        XCTAssertEqual(dense.indices(video: "v", fields: 8, classifier: 0, epoch: 0, training: true), [0, 1, 2, 3])
        XCTAssertEqual(dense.indices(video: "v", fields: 8, classifier: 1, epoch: 0, training: true), [4, 5, 6, 7])
        let dense3 = try Sampler(scheme: .dense(frames: 2), classifiers: 3, seed: 0)
        XCTAssertEqual(dense3.window(classifier: 2, fields: 10), 6..<10)
        XCTAssertEqual(dense3.indices(video: "v", fields: 10, classifier: 2, epoch: 0, training: false), [7, 9])  // 6 + ⌊½·4/2⌋, 6 + ⌊³⁄₂·4/2⌋
        // Shorter than P: repeats, in order.
        XCTAssertEqual(dense3.indices(video: "v", fields: 1, classifier: 0, epoch: 0, training: false), [0, 0])
        XCTAssertEqual(try Sampler(scheme: .dense(frames: 5), classifiers: 1, seed: 0)
            .indices(video: "v", fields: 2, classifier: 0, epoch: 0, training: false), [0, 0, 1, 1, 1])
        // L < M: an empty window takes its centre ⌊(2m + 1)L/(2M)⌋.
        XCTAssertEqual(dense3.window(classifier: 0, fields: 2), 0..<0)
        XCTAssertEqual(dense3.indices(video: "v", fields: 2, classifier: 0, epoch: 0, training: false), [0, 0])
        XCTAssertEqual(dense3.indices(video: "v", fields: 2, classifier: 1, epoch: 0, training: false), [0, 0])
        XCTAssertEqual(dense3.indices(video: "v", fields: 2, classifier: 2, epoch: 0, training: false), [1, 1])

        // Semi-dense 2+2, M = 3, L = 10, m = 1: W = [3, 6) → 3, 5; outside [0,1,2,6,7,8,9] → positions 1, 5 → 1, 8.
        let semi = try Sampler(scheme: .semiDense(inside: 2, outside: 2), classifiers: 3, seed: 0)
        XCTAssertEqual(semi.indices(video: "v", fields: 10, classifier: 1, epoch: 0, training: true), [1, 3, 5, 8])

        // Sparse at test, L = 10, P = 2, M = 2: u = frac((m + ½)/2 + φk).
        let sparse = try Sampler(scheme: .sparse(frames: 2), classifiers: 2, seed: 0)
        XCTAssertEqual(sparse.indices(video: "v", fields: 10, classifier: 0, epoch: 0, training: false), [1, 9])  // 0+⌊.25·5⌋, 5+⌊.868·5⌋
        XCTAssertEqual(sparse.indices(video: "v", fields: 10, classifier: 1, epoch: 0, training: false), [3, 6])  // 0+⌊.75·5⌋, 5+⌊.368·5⌋
        XCTAssertEqual(Sampler.testOffset(classifier: 1, of: 2, segment: 1), 0.75 + 0.6180339887498949 - 1, accuracy: 1e-15)
        // Sparse with L < P: empty segments take their start.
        XCTAssertEqual(try Sampler(scheme: .sparse(frames: 4), classifiers: 1, seed: 0)
            .indices(video: "v", fields: 2, classifier: 0, epoch: 0, training: true), [0, 0, 1, 1])
    }

    /// The keyed generator's values, computed by an independent Python implementation (FNV-1a 64 + SplitMix64).
    func testKeyedRandomIsStable() {
        XCTAssertEqual(KeyedRandom(seed: 7).bits(["sparse", "videoA", "3", "1", "2"]), 0x605d_0dbf_e936_f03c)
        XCTAssertEqual(KeyedRandom(seed: 7).unit(["sparse", "videoA", "3", "1", "2"]), 0.37641988692595496)
        XCTAssertEqual(KeyedRandom(seed: 0).bits(["sparse", "AAACXZTV", "0", "0", "0"]), 0xff61_7725_b14f_d319)
        XCTAssertEqual(KeyedRandom(seed: .max).unit(["flip", "ZZZ", "12"]), 0.5392924934914595)
    }

    func testSchemesParseAndInvalidSettingsAreRefused() throws {
        for scheme: TemporalScheme in [.dense(frames: 8), .semiDense(inside: 6, outside: 2), .sparse(frames: 16)] {
            XCTAssertEqual(TemporalScheme(parsing: scheme.description), scheme)
        }
        XCTAssertEqual(TemporalScheme.semiDense(inside: 6, outside: 2).frames, 8)
        for bad in ["dense", "dense:0", "semi-dense:6", "semi-dense:6+0", "sparse:x", "random:8", "dense:8:1"] {
            XCTAssertNil(TemporalScheme(parsing: bad), bad)
        }
        XCTAssertThrowsError(try Sampler(scheme: .semiDense(inside: 4, outside: 2), classifiers: 1, seed: 0)) { error in
            XCTAssertTrue("\(error)".contains("1 classifier"), "\(error)")
        }
        XCTAssertThrowsError(try Sampler(scheme: .dense(frames: 0), classifiers: 2, seed: 0))
        XCTAssertThrowsError(try Sampler(scheme: .dense(frames: 4), classifiers: 0, seed: 0))
    }

    func testIndexSpaceFollowsTheModality() throws {
        XCTAssertEqual(try Modality.rgb.indexCount(frames: 1, video: "v"), 1)
        XCTAssertEqual(try Modality.rgb.indexCount(frames: 2, video: "v"), 1)
        XCTAssertEqual(try Modality.rgb.indexCount(frames: 150, video: "v"), 149)
        XCTAssertEqual(try Modality.flow.indexCount(frames: 150, video: "v"), 149)
        XCTAssertEqual(try Modality.rgbFlow.indexCount(frames: 2, video: "v"), 1)
        for modality in [Modality.flow, .rgbFlow] {
            XCTAssertThrowsError(try modality.indexCount(frames: 1, video: "ONEFRAME")) { error in
                XCTAssertEqual(error as? ClipError, .noFlow(video: "ONEFRAME", frames: 1, modality: modality))
                let text = error.localizedDescription
                XCTAssertTrue(text.contains("ONEFRAME") && text.contains("1 frame") && text.contains("no flow") && text.contains("\(modality)"), text)
            }
        }
        XCTAssertThrowsError(try Modality.rgb.indexCount(frames: 0, video: "EMPTY")) { error in
            XCTAssertTrue(error.localizedDescription.contains("EMPTY"), error.localizedDescription)
        }
        XCTAssertEqual(Modality.rgbFlow.modelFrames(indices: 8), 16)
        XCTAssertEqual(Modality.flow.modelFrames(indices: 8), 8)
        XCTAssertEqual(Modality(rawValue: "rgb+flow"), .rgbFlow)
    }
}
