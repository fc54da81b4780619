/// HDF5's Fletcher-32 checksum, bit for bit: the value its filter appends (little-endian) to each
/// stored chunk. Computed here so that whole one-row chunks are written and read without HDF5's
/// byte-at-a-time loop (see `DirectChunks`); HDF5 itself still verifies every other read.
///
/// The definition (HDF5's H5checksum.c): the data as 16-bit big-endian words (an odd last byte is
/// the high byte of a word), `sum1 += word; sum2 += sum1` in 32-bit arithmetic, both sums folded
/// (`(s & 0xffff) + (s >> 16)`) after every 360 words and once more at the end; the result is
/// `sum2 << 16 | sum1`. Within a block of t words the two sums grow by `Σ w` and `t·sum1 + Σ (t−k)·w_k`,
/// a form the compiler vectorises; the folds happen at the same places, so the value is identical.
enum Fletcher32 {
    /// Words between folds (HDF5's choice: no 32-bit sum can overflow in between).
    static let blockWords = 360

    /// The checksum of `bytes`.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return 0 }
        var sum1: UInt32 = 0, sum2: UInt32 = 0
        var word = 0
        let words = bytes.count / 2
        while word < words {
            let count = min(blockWords, words - word)
            let (plain, weighted) = blockSums(base + 2 * word, words: count)
            sum2 = sum2 &+ UInt32(truncatingIfNeeded: count) &* sum1 &+ weighted
            sum1 = sum1 &+ plain
            sum1 = (sum1 & 0xffff) &+ (sum1 >> 16)
            sum2 = (sum2 & 0xffff) &+ (sum2 >> 16)
            word += count
        }
        if bytes.count % 2 == 1 {
            sum1 &+= UInt32(base.load(fromByteOffset: bytes.count - 1, as: UInt8.self)) << 8
            sum2 &+= sum1
            sum1 = (sum1 & 0xffff) &+ (sum1 >> 16)
            sum2 = (sum2 & 0xffff) &+ (sum2 >> 16)
        }
        sum1 = (sum1 & 0xffff) &+ (sum1 >> 16)
        sum2 = (sum2 & 0xffff) &+ (sum2 >> 16)
        return sum2 << 16 | sum1
    }

    /// `Σ w_k` and `Σ (t − k)·w_k` (k from 0) over the t big-endian words at `block`, modulo 2³².
    /// Eight words per step, in lanes: `plain` sums each lane, `running` adds up `plain` as it was
    /// before each step (so a step's words count once per later step); the weight of a word's place in
    /// its step (8…1) depends on its lane only, so it is applied once, to the lane sums, at the end.
    private static func blockSums(_ block: UnsafeRawPointer, words: Int) -> (plain: UInt32, weighted: UInt32) {
        let steps = words / 8
        var plain = SIMD8<UInt32>(), running = SIMD8<UInt32>()
        for step in 0..<steps {
            var raw = block.loadUnaligned(fromByteOffset: 16 * step, as: SIMD8<UInt16>.self)
            #if _endian(little)
            raw = raw &<< 8 | raw &>> 8  // the words are big-endian
            #endif
            let value = SIMD8<UInt32>(truncatingIfNeeded: raw)
            running &+= plain
            plain &+= value
        }
        // Word 8s+j of a block of t words weighs t − 8s − j = (t − 8·steps) + 8(steps − 1 − s) + (8 − j).
        let tail = words - 8 * steps
        var sumPlain = plain.wrappedSum()
        let laneWeights = SIMD8<UInt32>(8, 7, 6, 5, 4, 3, 2, 1)
        var weighted = UInt32(truncatingIfNeeded: tail) &* sumPlain &+ 8 &* running.wrappedSum() &+ (plain &* laneWeights).wrappedSum()
        for k in (8 * steps)..<words {
            let value = UInt32(block.load(fromByteOffset: 2 * k, as: UInt8.self)) << 8
                | UInt32(block.load(fromByteOffset: 2 * k + 1, as: UInt8.self))
            sumPlain &+= value
            weighted &+= UInt32(truncatingIfNeeded: words - k) &* value
        }
        return (sumPlain, weighted)
    }

    /// The same sums word by word, exactly as HDF5's loop runs (the reference the tests compare with).
    static func referenceChecksum(_ bytes: [UInt8]) -> UInt32 {
        var sum1: UInt32 = 0, sum2: UInt32 = 0
        var index = 0
        var words = bytes.count / 2
        while words > 0 {
            var count = min(blockWords, words)
            words -= count
            while count > 0 {
                sum1 &+= UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
                sum2 &+= sum1
                index += 2
                count -= 1
            }
            sum1 = (sum1 & 0xffff) &+ (sum1 >> 16)
            sum2 = (sum2 & 0xffff) &+ (sum2 >> 16)
        }
        if bytes.count % 2 == 1 {
            sum1 &+= UInt32(bytes[index]) << 8
            sum2 &+= sum1
            sum1 = (sum1 & 0xffff) &+ (sum1 >> 16)
            sum2 = (sum2 & 0xffff) &+ (sum2 >> 16)
        }
        sum1 = (sum1 & 0xffff) &+ (sum1 >> 16)
        sum2 = (sum2 & 0xffff) &+ (sum2 >> 16)
        return sum2 << 16 | sum1
    }
}
