/// Which of a video's cached frames a classifier sees.
enum FrameSampling {
    /// `count` indices spread evenly over `[start, end)`: k ↦ start + ⌊(k + ½)(end − start)/count⌋, the
    /// centre of each of `count` equal segments (a window shorter than `count` repeats indices, in
    /// order). Exactly the window's indices when it holds `count`.
    static func even(_ start: Int, _ end: Int, count: Int) -> [Int] {
        precondition(end > start && count > 0, "FrameSampling.even: empty window [\(start), \(end)) or count \(count)")
        let length = end - start
        return (0..<count).map { k in start + (2 * k + 1) * length / (2 * count) }
    }
}
