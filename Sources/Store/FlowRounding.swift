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
        var largest: Float = 0
        for index in 0..<pixels {
            let u = Float(field[index]), v = Float(field[pixels + index])
            let squared = u * u + v * v
            if !(squared <= largest) { largest = squared }  // a NaN wins, so the field is left alone
        }
        return largest.squareRoot()
    }

    private static func roundField(_ field: UnsafeMutableBufferPointer<Float16>, pixels: Int, bits: Int) {
        guard let q = step(maxr: largestVector(UnsafeBufferPointer(field), pixels: pixels), bits: bits) else { return }
        let inverse = 1 / q  // a power of two: multiplying by it is exact
        for index in field.indices {
            let value = Float(field[index])
            field[index] = Float16((value * inverse).rounded(.toNearestOrEven) * q)
        }
    }
}
