// Why this file exists: `torchAtan2` spells SLEEF's fused multiply-adds as `addingProduct`,
// which Swift compiles for baseline x86-64 (no FMA instructions) into 22 calls to libm's `fmaf`
// per angle, and every call spills the vector registers: most of `FlowColor.image`'s time.
// `fastTorchAtan2` is the same algorithm, rounding for rounding, with each FMA computed in
// float64 instead, where that provably gives the FMA's float32 result:
//
// - a·b of two floats is exact in a double (24 + 24 ≤ 53 bits, and the exponent range of a
//   double holds every product of floats), so a·b + c is one double rounding of the exact value;
// - "exact" FMAs (the error of a float product, `fma(a, b, -fl(a·b))`, SLEEF's reciprocal
//   residual `fma(-d, 1/d, 1)`, and the division's lo part, see octantArctangentFast) have an
//   exact value that fits in a double, so the double sum is exact and converting it to float is
//   the FMA's single rounding;
// - every other FMA may round twice (to double, then to float). Rounding to nearest is monotone
//   and the float32 rounding boundaries (midpoints between adjacent normal floats) are doubles,
//   so the two roundings agree unless the double sum was inexact and landed exactly on such a
//   midpoint, or is nonzero and below 2⁻¹²⁶ (where the spacing of floats changes). Such results
//   are flagged and the angle is recomputed with `torchAtan2` itself, as are inputs outside the
//   fast path's range (2^±60; zeros have closed forms).
//
// The same steps run on eight lanes at once (SIMD8, SSE2 on baseline x86-64) for
// `FlowColor.image`; flagged or out-of-range lanes go through the scalar path.
// FlowColorFastPathTests checks both against `torchAtan2` (and so SLEEF) bit for bit.

extension FlowColor {
    /// `torchAtan2(y, x)`, bit for bit, for every input; fast where both are finite and nonzero.
    @inline(__always)
    static func fastTorchAtan2(_ y: Float, _ x: Float) -> Float {
        // Fast range: 2⁻⁶⁰ ≤ |x|, |y| ≤ 2⁶⁰ (no tiny-x rescaling, no special values, no overflow).
        let low: Float = 0x1p-60, high: Float = 0x1p60
        let ym = y.magnitude, xm = x.magnitude
        guard ym >= low, ym <= high, xm >= low, xm <= high else {
            // torchAtan2's special cases for a zero component (its tiny-x rescaling changes
            // neither a sign nor, for a finite nonzero y, the outcome); anything else in full.
            if y == 0 && x.isFinite { return flipSignBit(x.sign == .minus ? Float(Double.pi) : 0, by: y) }
            if x == 0 && y.isFinite { return flipSignBit(Float(Double.pi / 2), by: y) }
            return torchAtan2(y, x)
        }
        var unsure = false
        let result = octantArctangentFast(y: ym, x: x, unsure: &unsure)
        if unsure { return torchAtan2(y, x) }
        return flipSignBit(flipSignBit(result, by: x), by: y)
    }

    @inline(__always)
    private static func flipSignBit(_ value: Float, by sign: Float) -> Float {
        Float(bitPattern: value.bitPattern ^ (sign.bitPattern & 0x8000_0000))
    }

    /// `fma(a, b, c)` where `a·b + c` is known to be exactly representable as a double.
    @inline(__always)
    private static func exactFMA(_ a: Float, _ b: Float, _ c: Float) -> Float {
        Float(Double(a) * Double(b) + Double(c))
    }

    /// `fma(a, b, c)` through one double rounding; sets `unsure` where that may differ from fmaf.
    @inline(__always)
    private static func roundedFMA(_ a: Float, _ b: Float, _ c: Float, _ unsure: inout Bool) -> Float {
        let product = Double(a) * Double(b), addend = Double(c)
        let sum = product + addend
        let bits = sum.bitPattern
        // The 29 bits a float drops, exactly half an ulp: a midpoint between two floats, a
        // problem only where the double sum was rounded (exact sums are midpoints often: a lo
        // part that is a power of two times a float). Exact iff both differences give back the
        // other term (the larger one's difference is computed exactly, Fast2Sum).
        let midpoint = bits & 0x1FFF_FFFF == 0x1000_0000
            && !(sum - product == addend && sum - addend == product)
        // Nonzero with a magnitude below 2⁻¹²⁶ (float subnormal, or zero after rounding).
        // (A double sum of float products is exactly zero only when the exact value is.)
        let magnitude = bits & 0x7FFF_FFFF_FFFF_FFFF
        let subnormal = magnitude &- 1 < (UInt64(1023 - 126) << 52) &- 1
        unsure = unsure || midpoint || subnormal
        return Float(sum)
    }

    /// `octantArctangent` of torchAtan2 for finite y ≥ 0 and x, both nonzero and within 2^±60,
    /// summed to a float: SLEEF's double-float steps with the lo parts that are zero left out.
    @inline(__always)
    private static func octantArctangentFast(y: Float, x: Float, unsure: inout Bool) -> Float {
        var x = x
        var quarterTurns = x < 0 ? -2 : 0
        if x < 0 { x = -x }
        let steep = x < y
        if steep { quarterTurns += 1 }
        let n = steep ? -x : y, d = steep ? y : x

        // ratio = n ÷ d (FloatPair.dividedBy with n.lo = d.lo = 0).
        let reciprocal = 1 / d
        let rHi = n * reciprocal
        let u = exactFMA(reciprocal, n, -rHi)  // error of a float product
        let v = exactFMA(-d, reciprocal, 1)  // 1 − d·fl(1/d): |·| ≤ 2⁻²³ on the product's 2⁻⁴⁷ grid
        // fma(-d.lo, r, v) = v and fma(n.lo, r, u) = u (also for zeros: u and v are +0 when zero).
        // fma(s, v, u) is exact in double too: v is a multiple of 2⁻⁴⁷ of magnitude ≤ 2⁻²³ and
        // u a multiple of ulp(s)·2⁻²⁴ of magnitude ≤ ulp(s)/2, so s·v + u is a multiple of
        // ulp(s)·2⁻⁴⁷ of magnitude ≤ 2.5 ulp(s): 49 bits.
        let rLo = exactFMA(rHi, v, u)

        // square = ratio.squared().normalized()
        let sHi0 = rHi * rHi
        let sLo0 = roundedFMA(rHi + rHi, rLo, exactFMA(rHi, rHi, -sHi0), &unsure)
        let sHi = sHi0 + sLo0
        let sLo = (sHi0 - sHi) + sLo0

        var poly: Float = -0.00176397908944636583328247
        poly = roundedFMA(poly, sHi, 0.0107900900766253471374512, &unsure)
        poly = roundedFMA(poly, sHi, -0.0309564601629972457885742, &unsure)
        poly = roundedFMA(poly, sHi, 0.0577365085482597351074219, &unsure)
        poly = roundedFMA(poly, sHi, -0.0838950723409652709960938, &unsure)
        poly = roundedFMA(poly, sHi, 0.109463557600975036621094, &unsure)
        poly = roundedFMA(poly, sHi, -0.142626821994781494140625, &unsure)
        poly = roundedFMA(poly, sHi, 0.199983194470405578613281, &unsure)

        // t = FloatPair.sum(-1/3, poly · square.hi)
        let a: Float = -0.333332866430282592773438
        let m = poly * sHi
        let tHi = a + m
        let tLo = (a - tHi) + m
        // series = square.times(t)
        let pHi = sHi * tHi
        let pLo = roundedFMA(sHi, tLo, roundedFMA(sLo, tHi, exactFMA(sHi, tHi, -pHi), &unsure), &unsure)
        // w = FloatPair.sum(1, series)
        let wHi = 1 + pHi
        let wLo = ((1 - wHi) + pHi) + pLo
        // series = ratio.times(w)
        let qHi = rHi * wHi
        let qLo = roundedFMA(rHi, wLo, roundedFMA(rLo, wHi, exactFMA(rHi, wHi, -qHi), &unsure), &unsure)
        // halfPi.times(quarterTurns).plus(series)
        // FloatPair.times(Float(q)) with q in −2...1: hi·q is exact, so its error FMA is +0 and
        // the lo FMA is lo·q + 0 (lo·q exactly; +0 where q = 0).
        let q = Float(quarterTurns)
        let turnsHi: Float = 1.5707963705062866211 * q
        let turnsLo: Float = quarterTurns == 0 ? 0 : -4.3711388286737928865e-08 * q
        let hi = turnsHi + qHi
        let lo = (((turnsHi - hi) + qHi) + turnsLo) + qLo
        return hi + lo
    }
}

// The same steps for eight angles at once (SSE2 vectors; Swift lowers these SIMD types to
// packed float and double instructions on baseline x86-64). Lanes outside the fast range, and
// lanes where a double-rounded FMA may differ from fmaf, are recomputed with the scalar
// `fastTorchAtan2`. (8 lanes measured faster than 4: two SSE registers of floats per value.)
extension FlowColor {
    typealias FloatLanes = SIMD8<Float>
    typealias DoubleLanes = SIMD8<Double>
    /// A DoubleLanes' 32-bit halves, low word first.
    typealias WordLanes = SIMD16<Int32>
    typealias FloatBitLanes = SIMD8<UInt32>
    typealias IntLanes = SIMD8<Int32>
    typealias DoubleBitLanes = SIMD8<UInt64>
    typealias DoubleIntLanes = SIMD8<Int64>

    /// What the vector FMAs found that may make a lane's double rounding differ from fmaf's
    /// (see the scalar roundedFMA): a double sum on a float midpoint, or a nonzero double sum of
    /// magnitude below 2⁻¹²⁶ (where the spacing of floats changes).
    struct RoundingCheck {
        var midpoints = SIMDMask<WordLanes>()
        var tiny = SIMDMask<WordLanes>()

        var isClear: Bool { !any(midpoints) && !any(tiny) }

        /// Midpoint lanes of `sum` (in the low words; the high words compare 0 with 1).
        @inline(__always)
        static func midpoints(_ sum: DoubleLanes) -> SIMDMask<WordLanes> {
            let bits = unsafeBitCast(sum, to: DoubleBitLanes.self)
            let dropped = unsafeBitCast(bits & DoubleBitLanes(repeating: 0x1FFF_FFFF), to: WordLanes.self)
            return dropped .== unsafeBitCast(DoubleBitLanes(repeating: 0x1_1000_0000), to: WordLanes.self)
        }

        /// Notes the lanes of `sum` that are nonzero with a magnitude below 2⁻¹²⁶; `result` is
        /// `sum` as floats, a cheap first test (|result| ≤ 2⁻¹²⁶, which exact zeros pass too).
        @inline(__always)
        mutating func noteTiny(_ sum: DoubleLanes, _ result: FloatLanes) {
            let magnitude = unsafeBitCast(unsafeBitCast(result, to: FloatBitLanes.self) & 0x7FFF_FFFF,
                                          to: FloatLanes.self)
            guard any(magnitude .<= FloatLanes(repeating: 0x1p-126)) else { return }
            // High words: the exponent field is 1...896 (a nonzero sum of float products is at
            // least 2⁻²⁹⁸, so its exponent field is never 0). The low words compare 0 > 0.
            let high = unsafeBitCast(unsafeBitCast(sum, to: DoubleBitLanes.self)
                & DoubleBitLanes(repeating: 0x7FF0_0000_0000_0000), to: WordLanes.self)
            let limit = unsafeBitCast(DoubleBitLanes(repeating: UInt64(1023 - 126) << 52), to: WordLanes.self)
            tiny .|= (high .> WordLanes.zero) .& (high .< limit)
        }
    }

    /// `fma(a, b, c)` lane by lane through double, noting what `check` needs. Double sums on a
    /// float midpoint are common where they are exact (a lo part that is a power of two, times a
    /// float), and converting an exact sum is fmaf's one rounding, so such lanes are let through.
    /// `mayBeTiny: false` where the result is known to stay far from 2⁻¹²⁶.
    @inline(__always)
    private static func roundedFMA(_ a: FloatLanes, _ b: FloatLanes, _ c: DoubleLanes, mayBeTiny: Bool = true,
                                   _ check: inout RoundingCheck) -> FloatLanes {
        let product = DoubleLanes(a) * DoubleLanes(b)
        let sum = product + c
        var midpoints = RoundingCheck.midpoints(sum)
        if any(midpoints) {  // keep only the lanes whose double sum was rounded
            // Exact iff both differences give back the other term (Fast2Sum: the difference
            // from the larger term is computed exactly).
            let exact = (sum - product .== c) .& (sum - c .== product)
            let exactWords = unsafeBitCast(DoubleIntLanes.zero.replacing(with: -1, where: exact), to: WordLanes.self)
            midpoints .&= exactWords .== WordLanes.zero
            check.midpoints .|= midpoints
        }
        let result = FloatLanes(sum)
        if mayBeTiny { check.noteTiny(sum, result) }
        return result
    }

    @inline(__always)
    private static func roundedFMA(_ a: FloatLanes, _ b: FloatLanes, _ c: FloatLanes,
                                   _ check: inout RoundingCheck) -> FloatLanes {
        roundedFMA(a, b, DoubleLanes(c), &check)
    }

    /// `roundedFMA` for a step of the atan polynomial, `poly · s + c` with s = square.hi in
    /// [0, 1]: the partial sums stay in ±[0.009, 0.2] (the coefficients alternate in sign and
    /// shrink), far from 2⁻¹²⁶.
    @inline(__always)
    private static func polynomialFMA(_ poly: FloatLanes, _ s: FloatLanes, _ c: Float,
                                      _ check: inout RoundingCheck) -> FloatLanes {
        roundedFMA(poly, s, DoubleLanes(repeating: Double(c)), mayBeTiny: false, &check)
    }

    /// `fma(a, b, c)` lane by lane where `a·b + c` is exactly a double.
    @inline(__always)
    private static func exactFMA(_ a: FloatLanes, _ b: FloatLanes, _ c: FloatLanes) -> FloatLanes {
        FloatLanes(DoubleLanes(a) * DoubleLanes(b) + DoubleLanes(c))
    }

    @inline(__always)
    private static func bits(_ value: FloatLanes) -> FloatBitLanes { unsafeBitCast(value, to: FloatBitLanes.self) }

    /// `-value` lane by lane, as the scalar prefix minus: the sign bit flipped. (The SIMD
    /// prefix minus is `0 - value`, which turns +0 into +0, not −0.)
    @inline(__always)
    static func negated(_ value: FloatLanes) -> FloatLanes {
        unsafeBitCast(bits(value) ^ FloatBitLanes(repeating: 0x8000_0000), to: FloatLanes.self)
    }

    /// `torchAtan2(y[i], x[i])` for eight lanes, bit for bit.
    @inline(__always)
    static func fastTorchAtan2(_ y: FloatLanes, _ x: FloatLanes) -> FloatLanes {
        let signBit = FloatBitLanes(repeating: 0x8000_0000)
        let ym = unsafeBitCast(bits(y) & ~signBit, to: FloatLanes.self)
        let xm = unsafeBitCast(bits(x) & ~signBit, to: FloatLanes.self)
        let low = FloatLanes(repeating: 0x1p-60), high = FloatLanes(repeating: 0x1p60)
        let inRange = (ym .>= low) .& (ym .<= high) .& (xm .>= low) .& (xm .<= high)

        // Fold onto the first octant: x < 0 adds −2 quarter turns (and x becomes |x|), y > x one.
        let steep = xm .< ym
        var quarterTurns = FloatLanes.zero.replacing(with: -2, where: x .< 0)
        quarterTurns.replace(with: quarterTurns + 1, where: steep)
        let n = ym.replacing(with: negated(xm), where: steep), d = xm.replacing(with: ym, where: steep)

        var flagged = RoundingCheck()
        let one = FloatLanes(repeating: 1)
        let reciprocal = one / d
        let rHi = n * reciprocal
        let u = exactFMA(reciprocal, n, negated(rHi))
        let v = exactFMA(negated(d), reciprocal, one)
        let rLo = exactFMA(rHi, v, u)  // see the scalar version: exact in double

        let sHi0 = rHi * rHi
        let sLo0 = roundedFMA(rHi + rHi, rLo, exactFMA(rHi, rHi, negated(sHi0)), &flagged)
        let sHi = sHi0 + sLo0
        let sLo = (sHi0 - sHi) + sLo0

        var poly = FloatLanes(repeating: -0.00176397908944636583328247)
        poly = polynomialFMA(poly, sHi, 0.0107900900766253471374512, &flagged)
        poly = polynomialFMA(poly, sHi, -0.0309564601629972457885742, &flagged)
        poly = polynomialFMA(poly, sHi, 0.0577365085482597351074219, &flagged)
        poly = polynomialFMA(poly, sHi, -0.0838950723409652709960938, &flagged)
        poly = polynomialFMA(poly, sHi, 0.109463557600975036621094, &flagged)
        poly = polynomialFMA(poly, sHi, -0.142626821994781494140625, &flagged)
        poly = polynomialFMA(poly, sHi, 0.199983194470405578613281, &flagged)

        let a = FloatLanes(repeating: -0.333332866430282592773438)
        let m = poly * sHi
        let tHi = a + m
        let tLo = (a - tHi) + m
        let pHi = sHi * tHi
        let pLo = roundedFMA(sHi, tLo, roundedFMA(sLo, tHi, exactFMA(sHi, tHi, negated(pHi)), &flagged), &flagged)
        let wHi = one + pHi
        let wLo = ((one - wHi) + pHi) + pLo
        let qHi = rHi * wHi
        let qLo = roundedFMA(rHi, wLo, roundedFMA(rLo, wHi, exactFMA(rHi, wHi, negated(qHi)), &flagged), &flagged)

        let turnsHi = FloatLanes(repeating: 1.5707963705062866211) * quarterTurns
        let turnsLo = (FloatLanes(repeating: -4.3711388286737928865e-08) * quarterTurns)
            .replacing(with: 0, where: quarterTurns .== 0)
        let hi = turnsHi + qHi
        let lo = (((turnsHi - hi) + qHi) + turnsLo) + qLo
        let sum = hi + lo
        var result = unsafeBitCast(bits(sum) ^ (bits(x) & signBit) ^ (bits(y) & signBit), to: FloatLanes.self)

        // Lanes out of range, or all eight if one is flagged: one by one (each picks its own path).
        if !flagged.isClear {
            for lane in 0..<FloatLanes.scalarCount { result[lane] = fastTorchAtan2(y[lane], x[lane]) }
        } else if !all(inRange) {
            for lane in 0..<FloatLanes.scalarCount where !inRange[lane] {
                result[lane] = fastTorchAtan2(y[lane], x[lane])
            }
        }
        return result
    }
}
