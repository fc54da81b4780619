// Why this file exists: torch's CPU `atan2` for float32 is not libm's. On x86-64 with AVX2
// it calls SLEEF's `Sleef_atan2f8_u10` (1-ulp accuracy, computed with FMA in double-float
// arithmetic), which disagrees with glibc's `atan2f` in the last bit for about 16% of inputs.
// A last-bit difference in the angle moves `floor(255 · colour)` across an integer about
// once per ten 224×224 frames, so exact parity with `torchvision.utils.flow_to_image` needs
// the same arithmetic. (torch's loop only takes SLEEF for whole steps of 16 floats; the last
// numel % 16 go through libm's atan2f — `FlowColor.image` picks per pixel.) What follows re-derives SLEEF 3.5.1's single-precision u10 algorithm
// (reduce to an octant, divide in double-float, odd polynomial, add back multiples of π/2)
// with every rounding in the same place; fused multiply-adds are spelled out with
// `addingProduct`, which is one rounding on every platform.

extension FlowColor {
    /// `atan2(y, x)` in float32, bit-identical to torch's CPU kernel (SLEEF's u10 variant with FMA).
    static func torchAtan2(_ y: Float, _ x: Float) -> Float {
        var x = x, y = y
        // Scale tiny x (and y with it) up so the reciprocal below does not overflow.
        if x.magnitude < Float(bitPattern: 0x0020_0001) {  // 2.9387372783541830947e-39, just above 1 / Float.max
            x *= 16_777_216
            y *= 16_777_216
        }
        let angle = octantArctangent(y: FloatPair(y.magnitude), x: FloatPair(x))
        var result = flipSign(angle.hi + angle.lo, by: x)

        let halfPi = Float(Double.pi / 2), quarterPi = Float(Double.pi / 4)
        if x.isInfinite || x == 0 { result = halfPi - (x.isInfinite ? flipSign(halfPi, by: x) : 0) }
        if y.isInfinite { result = halfPi - (x.isInfinite ? flipSign(quarterPi, by: x) : 0) }
        if y == 0 { result = x.sign == .minus ? Float(Double.pi) : 0 }
        if x.isNaN || y.isNaN { return Float(bitPattern: 0xFFFF_FFFF) }
        return flipSign(result, by: y)
    }

    /// `value` negated when `sign` has its sign bit set (not copysign: a negative value is flipped to positive).
    @inline(__always)
    private static func flipSign(_ value: Float, by sign: Float) -> Float {
        Float(bitPattern: value.bitPattern ^ (sign.bitPattern & 0x8000_0000))
    }

    /// atan2 for y ≥ 0 as an unevaluated sum hi + lo: fold x < 0 and y > x onto the first
    /// octant, evaluate arctangent of the ratio there, then add the folded quarter turns back.
    private static func octantArctangent(y: FloatPair, x: FloatPair) -> FloatPair {
        var x = x
        var quarterTurns: Int32 = x.hi < 0 ? -2 : 0
        if x.hi < 0 { x = FloatPair(hi: -x.hi, lo: -x.lo) }
        let steep = x.hi < y.hi
        if steep { quarterTurns += 1 }
        let numerator = steep ? FloatPair(hi: -x.hi, lo: -x.lo) : y
        let denominator = steep ? y : x

        let ratio = numerator.dividedBy(denominator)
        let square = ratio.squared().normalized()

        // Odd minimax polynomial for atan on [−1, 1] (SLEEF's coefficients), Horner with FMA.
        var poly: Float = -0.00176397908944636583328247
        poly = Float(0.0107900900766253471374512).addingProduct(poly, square.hi)
        poly = Float(-0.0309564601629972457885742).addingProduct(poly, square.hi)
        poly = Float(0.0577365085482597351074219).addingProduct(poly, square.hi)
        poly = Float(-0.0838950723409652709960938).addingProduct(poly, square.hi)
        poly = Float(0.109463557600975036621094).addingProduct(poly, square.hi)
        poly = Float(-0.142626821994781494140625).addingProduct(poly, square.hi)
        poly = Float(0.199983194470405578613281).addingProduct(poly, square.hi)

        var series = square.times(FloatPair.sum(-0.333332866430282592773438, poly * square.hi))
        series = ratio.times(FloatPair.sum(1, series))
        let halfPi = FloatPair(hi: 1.5707963705062866211, lo: -4.3711388286737928865e-08)
        return halfPi.times(Float(quarterTurns)).plus(series)
    }
}

extension FlowColor {
    /// A float32 value carried as an unevaluated sum `hi + lo` (about 48 bits of precision),
    /// with the operations SLEEF's single-precision kernels use, rounding for rounding.
    struct FloatPair {
        var hi: Float
        var lo: Float

        init(hi: Float, lo: Float) {
            self.hi = hi
            self.lo = lo
        }

        init(_ value: Float) { self.init(hi: value, lo: 0) }

        /// a + b exactly, assuming |a| ≥ |b|.
        static func sum(_ a: Float, _ b: Float) -> FloatPair {
            let s = a + b
            return FloatPair(hi: s, lo: (a - s) + b)
        }

        /// a + self, assuming |a| ≥ |self|.
        static func sum(_ a: Float, _ b: FloatPair) -> FloatPair {
            let s = a + b.hi
            return FloatPair(hi: s, lo: ((a - s) + b.hi) + b.lo)
        }

        /// self + other, assuming |self| ≥ |other|.
        func plus(_ other: FloatPair) -> FloatPair {
            let s = hi + other.hi
            return FloatPair(hi: s, lo: (((hi - s) + other.hi) + lo) + other.lo)
        }

        /// self × other.
        func times(_ other: FloatPair) -> FloatPair {
            let s = hi * other.hi
            let error = (-s).addingProduct(hi, other.hi)
            return FloatPair(hi: s, lo: error.addingProduct(lo, other.hi).addingProduct(hi, other.lo))
        }

        /// self × a single float.
        func times(_ other: Float) -> FloatPair {
            let s = hi * other
            return FloatPair(hi: s, lo: (-s).addingProduct(hi, other).addingProduct(lo, other))
        }

        /// self².
        func squared() -> FloatPair {
            let s = hi * hi
            return FloatPair(hi: s, lo: (-s).addingProduct(hi, hi).addingProduct(hi + hi, lo))
        }

        /// self ÷ other, through the reciprocal of other.hi refined by FMA.
        func dividedBy(_ other: FloatPair) -> FloatPair {
            let reciprocal = 1 / other.hi
            let s = hi * reciprocal
            let u = (-s).addingProduct(reciprocal, hi)
            let v = Float(1).addingProduct(-other.hi, reciprocal).addingProduct(-other.lo, reciprocal)
            return FloatPair(hi: s, lo: u.addingProduct(lo, reciprocal).addingProduct(s, v))
        }

        /// The same value with hi holding the rounded sum.
        func normalized() -> FloatPair {
            let s = hi + lo
            return FloatPair(hi: s, lo: (hi - s) + lo)
        }
    }
}
