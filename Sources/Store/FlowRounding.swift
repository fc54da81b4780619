/// Rounds a float16 flow field to a grid set by its own largest vector, so the noise below the
/// precision anyone needs stops costing bytes (DESIGN.md §5b).
///
/// With `maxr` the field's largest vector length and `E = ⌊log₂ maxr⌋`, every component becomes
/// the nearest multiple (ties to even) of `q = 2^(E − k)`. The values stay exact float16 (for
/// k ≤ 10 every multiple of `q` up to the field's maximum is representable), so dtype, shape and
/// readers do not change. Components whose own float16 spacing is already `q` or coarser (all of
/// the top binade at k = 10) are untouched; the change of any component is at most `q / 2`, which
/// at k = 10 is float16's own rounding at the field's largest vector.
public enum FlowRounding {
    /// The `k` of the `exact` storage profile.
    public static let exactBits = 10
    /// The `k` of the `compact` storage profile: a step of 2^(E − 8), so no value moves more than 1/512 of the
    /// field's largest binade (≤ 0.031 px for fields whose largest vector is under 32 px).
    public static let compactBits = 8

    /// Rounds every field of `fields` — each of shape (2, `pixels`): u plane, then v plane — in place.
    /// A field whose largest vector is zero or not finite is left as it is (a non-finite one is
    /// refused later by the stage's finiteness check).
    public static func round(_ fields: UnsafeMutableBufferPointer<Float16>, pixels: Int, bits: Int) {
        precondition((0...10).contains(bits), "flow rounding keeps float16 exact only for k in 0...10")
        guard pixels > 0 else { return }
        let fieldSize = 2 * pixels
        var start = 0
        while start + fieldSize <= fields.count {
            roundField(UnsafeMutableBufferPointer(rebasing: fields[start..<(start + fieldSize)]), pixels: pixels, bits: bits)
            start += fieldSize
        }
    }

    /// The grid step of a field whose largest vector has length `maxr`, nil when nothing is rounded.
    public static func step(maxr: Float, bits: Int) -> Float? {
        guard maxr.isFinite, maxr > 0 else { return nil }
        return Float(sign: .plus, exponent: Int(maxr.exponent) - bits, significand: 1)
    }

    /// The largest vector length of one (2, pixels) field, computed in float32.
    public static func largestVector(_ field: UnsafeBufferPointer<Float16>, pixels: Int) -> Float {
        // Halves widen through a table: without F16C in the target, each `Float(half)` is a library call.
        HalfWidening.table.withUnsafeBufferPointer { table in
            field.withMemoryRebound(to: UInt16.self) { bits in
                var largest: Float = 0
                for index in 0..<pixels {
                    let u = table[Int(bits[index])], v = table[Int(bits[pixels + index])]
                    let squared = u * u + v * v
                    if !(squared <= largest) { largest = squared }  // a NaN wins, so the field is left alone
                }
                return largest.squareRoot()
            }
        }
    }

    private static func roundField(_ field: UnsafeMutableBufferPointer<Float16>, pixels: Int, bits: Int) {
        guard let q = step(maxr: largestVector(UnsafeBufferPointer(field), pixels: pixels), bits: bits) else { return }
        let stepExponent = Int(q.exponent)
        field.withMemoryRebound(to: UInt16.self) { halves in
            for index in halves.indices { halves[index] = roundHalf(halves[index], stepExponent: stepExponent) }
        }
    }

    /// A finite half (as bits) rounded to the nearest multiple of 2^`stepExponent`, ties to even, in
    /// integer arithmetic on its significand (the same result as rounding its value in float32).
    /// A half is S × 2^e with S its integer significand (1024 + mantissa for normals, the mantissa
    /// for subnormals) and e = max(biased exponent, 1) − 25, its spacing.
    @inline(__always)
    static func roundHalf(_ half: UInt16, stepExponent: Int) -> UInt16 {
        let sign = half & 0x8000, magnitude = half & 0x7FFF
        guard magnitude < 0x7C00 else { return half }  // infinity or NaN: never in a field that is rounded
        let biased = Int(magnitude >> 10)
        let shift = stepExponent - (max(biased, 1) - 25)
        guard shift > 0 else { return half }  // already on the grid (its spacing is the step or coarser)
        let significand = biased == 0 ? Int(magnitude) : 1024 + Int(magnitude & 0x3FF)
        guard shift < 12 else { return sign }  // the step is over twice the value: rounds to (signed) zero
        let rounded = ((significand + (1 << (shift - 1)) - 1 + ((significand >> shift) & 1)) >> shift) << shift
        if biased == 0 { return sign | UInt16(rounded) }  // subnormal: 1024 lands on the smallest normal
        // A normal keeps its exponent field; 2048 carries into the next binade; below 1024 only 0 is possible.
        return rounded < 1024 ? sign : sign | UInt16(((biased - 1) << 10) + rounded)
    }
}
