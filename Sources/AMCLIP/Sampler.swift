import Foundation

/// The indices each classifier sees: `TemporalScheme` made concrete for one video, classifier and epoch.
///
/// Everything is a pure function of (scheme, M, seed) and (video id, L, classifier, epoch, training): no state,
/// no call-order dependence, so any worker reproduces any clip. Indices are flow-field numbers in [0, L); the
/// RGB frame paired with field s is frame s (see `Modality.indexCount(frames:)` for how L follows from N).
///
/// Short videos (X-CLIP's sampler repeats frames when a video has fewer than it asks for; so does this one):
/// - `even(a, b, P)` with b − a < P repeats indices, in order.
/// - A window left empty because L < M (classifier m's ⌊mL/M⌋ = ⌊(m+1)L/M⌋) is replaced by the one index at
///   its centre, ⌊(2m + 1)L/(2M)⌋, repeated.
/// - Sparse: segment k is [⌊kL/P⌋, ⌊(k+1)L/P⌋); when L < P some are empty and take their start ⌊kL/P⌋.
/// - Semi-dense outside a window: when L ≥ 2 and M ≥ 2 something always lies outside the (non-empty) window,
///   and exactly P₁ indices fall inside and P₂ outside. With L = 1 there is nothing outside, and the P₂ indices
///   repeat the window's.
///
/// Sparse positions: index_k = start_k + ⌊u_k · len_k⌋ (clamped to the segment), with u_k uniform from
/// `KeyedRandom` keyed by ("sparse", video, epoch, m, k) in training, and at test
/// u_k = frac((m + ½)/M + φ·k) with φ = (√5 − 1)/2: the M classifiers sit 1/M apart in every segment (so they
/// differ in every segment of at least M fields), and the golden-ratio step keeps successive segments from
/// using the same relative position.
public struct Sampler: Sendable, Equatable, Codable {
    /// The scheme and its counts.
    public let scheme: TemporalScheme
    /// M: classifiers sharing one X-CLIP's weights, each with its own window.
    public let classifiers: Int
    /// Seed of the training-time sparse positions (and of anything else keyed through `random`).
    public let seed: UInt64

    /// φ = (√5 − 1)/2, the test-time sparse step between segments.
    public static let goldenStep = 0.618_033_988_749_894_9

    /// Checks the counts: every count at least 1; semi-dense needs M ≥ 2 (with one classifier its window is
    /// the whole video and nothing lies outside it).
    public init(scheme: TemporalScheme, classifiers: Int, seed: UInt64) throws {
        guard classifiers >= 1 else { throw SamplingError.invalid("\(classifiers) classifiers: at least 1 is needed") }
        switch scheme {
        case .dense(let p), .sparse(let p):
            guard p >= 1 else { throw SamplingError.invalid("\(scheme): at least 1 frame per classifier is needed") }
        case .semiDense(let inside, let outside):
            guard inside >= 1, outside >= 1 else {
                throw SamplingError.invalid("\(scheme): semi-dense needs at least 1 index inside the window and 1 outside")
            }
            guard classifiers >= 2 else {
                throw SamplingError.invalid("\(scheme) with 1 classifier: its window is the whole video, so nothing lies outside it; "
                                            + "use dense, or 2 or more classifiers")
            }
        }
        self.scheme = scheme
        self.classifiers = classifiers
        self.seed = seed
    }

    /// P: indices per classifier.
    public var frames: Int { scheme.frames }

    /// The keyed generator of this sampler's seed (also for augmentations, e.g. a flip keyed by video and epoch).
    public var random: KeyedRandom { KeyedRandom(seed: seed) }

    /// W_m = [⌊mL/M⌋, ⌊(m+1)L/M⌋): classifier m's main window over L fields. Empty when L < M leaves it nothing.
    public func window(classifier m: Int, fields: Int) -> Range<Int> {
        precondition((0..<classifiers).contains(m) && fields >= 0, "Sampler.window: classifier \(m) of \(classifiers), \(fields) fields")
        return (m * fields / classifiers)..<((m + 1) * fields / classifiers)
    }

    /// The window the schemes use: W_m, or the one index at its centre ⌊(2m + 1)L/(2M)⌋ when W_m is empty.
    public func effectiveWindow(classifier m: Int, fields: Int) -> Range<Int> {
        let w = window(classifier: m, fields: fields)
        guard w.isEmpty else { return w }
        let centre = min((2 * m + 1) * fields / (2 * classifiers), fields - 1)
        return centre..<(centre + 1)
    }

    /// The P indices (sorted, in [0, `fields`)) classifier `m` sees of video `video` with `fields` ≥ 1 flow
    /// fields (or frames, for RGB alone: see `Modality.indexCount`) in `epoch`. `training` picks random sparse
    /// positions; dense and semi-dense do not depend on it, nor on `epoch` or `seed`.
    public func indices(video: String, fields: Int, classifier m: Int, epoch: Int, training: Bool) -> [Int] {
        precondition(fields >= 1, "Sampler.indices: \(video) has no index to sample (\(fields)); check Modality.indexCount first")
        switch scheme {
        case .dense(let p):
            let w = effectiveWindow(classifier: m, fields: fields)
            return FrameSampling.even(w.lowerBound, w.upperBound, count: p)
        case .semiDense(let inside, let outside):
            let w = effectiveWindow(classifier: m, fields: fields)
            let within = FrameSampling.even(w.lowerBound, w.upperBound, count: inside)
            let rest = fields - w.count
            guard rest > 0 else { return (within + FrameSampling.even(w.lowerBound, w.upperBound, count: outside)).sorted() }
            // The j-th field outside W: j itself before the window, j + |W| after it.
            let beyond = FrameSampling.even(0, rest, count: outside).map { $0 < w.lowerBound ? $0 : $0 + w.count }
            return (within + beyond).sorted()
        case .sparse(let p):
            return (0..<p).map { k in
                let start = k * fields / p, length = (k + 1) * fields / p - start
                guard length > 1 else { return start }
                let u = training ? random.unit(["sparse", video, String(epoch), String(m), String(k)])
                                 : Self.testOffset(classifier: m, of: classifiers, segment: k)
                return start + min(Int((u * Double(length)).rounded(.down)), length - 1)
            }
        }
    }

    /// The fixed test-time position in segment k for classifier m of M: frac((m + ½)/M + φ·k).
    public static func testOffset(classifier m: Int, of count: Int, segment k: Int) -> Double {
        let x = (Double(m) + 0.5) / Double(count) + goldenStep * Double(k)
        return x - x.rounded(.down)
    }
}

/// Sampling settings that cannot work, said in a sentence.
public enum SamplingError: Error, Equatable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let reason): return reason
        }
    }
}

extension SamplingError: LocalizedError {
    public var errorDescription: String? { description }
}
