/// Evenly spaced indices in a window: the one spacing rule every AnimalMotionCLIP scheme and the
/// zero-shot command share.
public enum FrameSampling {
    /// `count` indices spread evenly over `[start, end)`: k ↦ start + ⌊(k + ½)(end − start)/count⌋, the
    /// centre of each of `count` equal segments (a window shorter than `count` repeats indices, in
    /// order, as X-CLIP's test-time sampler does). Exactly the window's indices when it holds `count`.
    /// Integer arithmetic only; `end > start` and `count > 0`.
    public static func even(_ start: Int, _ end: Int, count: Int) -> [Int] {
        precondition(end > start && count > 0, "FrameSampling.even: empty window [\(start), \(end)) or count \(count)")
        let length = end - start
        return (0..<count).map { k in start + (2 * k + 1) * length / (2 * count) }
    }
}
