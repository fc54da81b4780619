/// Which flow fields (and the frames they start at) each of AnimalMotionCLIP's M classifiers sees.
///
/// The paper (arXiv 2505.00569) names the schemes but publishes no code; vimo implements the deterministic
/// reading of ../shared/XCLIP.md. A video of N frames has L = N − 1 flow fields (field i runs from frame i to
/// frame i + 1); classifier m of M owns the window W_m = [⌊mL/M⌋, ⌊(m+1)L/M⌋), the M windows disjoint and
/// covering [0, L). `even(a, b, P)` is k ↦ a + ⌊(k + ½)(b − a)/P⌋ (`FrameSampling.even`).
public enum TemporalScheme: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// `even(W_m, P)`: P indices spread over the classifier's own window.
    case dense(frames: Int)
    /// `even(W_m, inside)` ∪ (`outside` indices spread evenly over the fields outside W_m), sorted: mostly
    /// the window, with a little context from the rest of the video.
    case semiDense(inside: Int, outside: Int)
    /// P equal segments of the whole video [0, L), one index per segment: a random position in training
    /// (keyed by seed, video, epoch, classifier, segment), a fixed per-classifier position at test.
    case sparse(frames: Int)

    /// Indices per classifier (P; P₁ + P₂ for semi-dense).
    public var frames: Int {
        switch self {
        case .dense(let p), .sparse(let p): return p
        case .semiDense(let inside, let outside): return inside + outside
        }
    }

    /// `dense:P`, `semi-dense:P1+P2`, `sparse:P`: the form `init(parsing:)` reads and run records keep.
    public var description: String {
        switch self {
        case .dense(let p): return "dense:\(p)"
        case .semiDense(let inside, let outside): return "semi-dense:\(inside)+\(outside)"
        case .sparse(let p): return "sparse:\(p)"
        }
    }

    /// Reads `dense:P`, `semi-dense:P1+P2` or `sparse:P` (counts of at least 1). Nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let counts = parts[1].split(separator: "+", omittingEmptySubsequences: false).map { Int($0) }
        guard counts.allSatisfy({ ($0 ?? 0) >= 1 }) else { return nil }
        switch (parts[0], counts.count) {
        case ("dense", 1): self = .dense(frames: counts[0]!)
        case ("sparse", 1): self = .sparse(frames: counts[0]!)
        case ("semi-dense", 2): self = .semiDense(inside: counts[0]!, outside: counts[1]!)
        default: return nil
        }
    }
}

extension TemporalScheme {
    /// The schemes explained for a command's `--help` (the trainer and predictor show it under their options).
    public static let help = """
        Temporal schemes (--scheme; M classifiers share one X-CLIP, each sees P indices). A video of N decoded frames \
        has L = N − 1 flow fields (field s from frame s to s + 1; rgb+flow pairs it with frame s, and rgb alone samples \
        the same starting frames). Classifier m of M owns the window W_m = [⌊mL/M⌋, ⌊(m+1)L/M⌋); even(a, b, P) is \
        k ↦ a + ⌊(k + ½)(b − a)/P⌋. dense:P = even(W_m, P). semi-dense:P1+P2 = even(W_m, P1) plus P2 spread evenly \
        over the fields outside W_m, sorted (needs M ≥ 2). sparse:P = one index in each of P equal segments of [0, L), \
        at a position drawn from (seed, video, epoch, m, segment) in training and at frac((m + ½)/M + 0.618…·k) at \
        test. Everything is deterministic given the seed: the same (seed, video, epoch, classifier) always gives the \
        same indices. Short videos repeat indices (as X-CLIP's sampler does); a window left empty because L < M takes \
        its centre. A one-frame video has no flow field: rgb clips repeat its frame, flow and rgb+flow report it as an \
        item problem naming the video. Input order per clip: [I_s1, F_s1, I_s2, F_s2, …] (rgb+flow, 2P images, so the \
        model's num_frames is 2P); flow images use the Middlebury colour coding and then the model's mean/std; a \
        horizontal flip mirrors frames and mirrors flow with u negated.
        """
}
