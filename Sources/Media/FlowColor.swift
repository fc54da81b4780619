import Foundation

/// Optical flow drawn as colour with the Middlebury colour wheel (Baker et al., ICCV 2007):
/// hue says which way a pixel moves, saturation how far, white means no motion.
///
/// `image(u:v:width:height:normalization:)` follows torchvision's `flow_to_image` float32
/// arithmetic step by step, so `.perFrameMaximum` reproduces torchvision 0.14 with torch 1.13
/// on an x86-64 CPU byte for byte (ViMoCLIP feeds exactly these images to CLIP); see
/// FlowColor+Atan2.swift for the one operation that needed more than IEEE float32, and
/// FlowColor+FastAtan2.swift for how it is made fast (eight pixels at a time) without changing
/// a bit. FlowColor+Reference.swift keeps the plain per-pixel version the tests compare against.
public enum FlowColor {
    /// How flow vectors are scaled before colouring: a vector of length `scale` gets full saturation.
    public enum Normalization: Equatable, Sendable {
        /// Divide by the largest vector length in this field (plus float32 epsilon), as
        /// torchvision's `flow_to_image` and ViMoCLIP do. Colours are not comparable between frames.
        case perFrameMaximum
        /// Divide by a given length in pixels (plus float32 epsilon); longer vectors saturate.
        /// Colours mean the same motion in every frame, which suits previews of a whole clip.
        case fixed(Float)
    }

    /// The flow field (`u` horizontal, `v` vertical, each `width × height` row-major floats)
    /// as packed RGB24 bytes (`height × width × 3`).
    ///
    /// A vector with a NaN or infinite component counts as no motion. `u` and `v` must each
    /// hold `width × height` values, and a `.fixed` length must be finite and not negative.
    public static func image(u: [Float], v: [Float], width: Int, height: Int,
                             normalization: Normalization = .perFrameMaximum) -> [UInt8] {
        precondition(width >= 0 && height >= 0, "FlowColor.image: negative size \(width)×\(height)")
        let count = width * height
        precondition(u.count == count && v.count == count,
                     "FlowColor.image: u has \(u.count) and v \(v.count) values, \(width)×\(height) needs \(count)")
        let epsilon = Float.ulpOfOne  // torch.finfo(torch.float32).eps
        let scale: Float
        let saturate: Bool
        switch normalization {
        case .perFrameMaximum:
            scale = largestLength(u: u, v: v) + epsilon
            saturate = false
        case .fixed(let length):
            precondition(length.isFinite && length >= 0, "FlowColor.image: fixed length \(length) is not a length")
            scale = length + epsilon
            saturate = true
        }

        // torch's CPU kernels take 16 floats per step and finish the last count % 16 one by one,
        // and only atan2 differs between the two paths (SLEEF in steps, libm one by one).
        let steppedCount = count - count % torchStepWidth
        return [UInt8](unsafeUninitializedCapacity: count * 3) { out, initialized in
            u.withUnsafeBufferPointer { u in
                v.withUnsafeBufferPointer { v in
                    colourSteps(u: u, v: v, count: steppedCount, scale: scale, saturate: saturate, into: out)
                    unitWheel.withUnsafeBufferPointer { wheel in
                        for index in steppedCount..<count {
                            let (x, y) = finite(u[index], v[index])
                            colour(u: x / scale, v: y / scale, saturate: saturate, libmAngle: true, wheel: wheel,
                                   into: out, at: 3 * index)
                        }
                    }
                }
            }
            initialized = count * 3
        }
    }

    /// The first `count` pixels (a multiple of 8) as `colour(…, libmAngle: false, …)` colours
    /// them, eight at a time: the same float32 operations lane by lane, with `fastTorchAtan2`.
    private static func colourSteps(u: UnsafeBufferPointer<Float>, v: UnsafeBufferPointer<Float>, count: Int,
                                    scale: Float, saturate: Bool, into out: UnsafeMutableBufferPointer<UInt8>) {
        guard count > 0, let uBase = UnsafeRawPointer(u.baseAddress), let vBase = UnsafeRawPointer(v.baseAddress) else {
            return
        }
        precondition(count % FloatLanes.scalarCount == 0 && count <= u.count && count <= v.count && 3 * count <= out.count)
        let exponent = FloatBitLanes(repeating: 0x7F80_0000)
        let scales = FloatLanes(repeating: scale), pi = FloatLanes(repeating: Float(Double.pi))  // torchPi
        let magic = FloatLanes(repeating: 12_582_912)
        wheelPairs.withUnsafeBufferPointer { pairs in
            let pairs = pairs.baseAddress.unsafelyUnwrapped
            for block in stride(from: 0, to: count, by: FloatLanes.scalarCount) {
                let offset = block * MemoryLayout<Float>.stride
                var x = uBase.loadUnaligned(fromByteOffset: offset, as: FloatLanes.self)
                var y = vBase.loadUnaligned(fromByteOffset: offset, as: FloatLanes.self)
                // finite(_:_:): a NaN or infinite component makes the vector (0, 0).
                let nonFinite = (unsafeBitCast(x, to: FloatBitLanes.self) & exponent .== exponent)
                    .| (unsafeBitCast(y, to: FloatBitLanes.self) & exponent .== exponent)
                x.replace(with: 0, where: nonFinite)
                y.replace(with: 0, where: nonFinite)
                let nu = x / scales, nv = y / scales
                let squares = nu * nu + nv * nv
                let angle = fastTorchAtan2(negated(nv), negated(nu)) / pi  // not -nv: see negated
                let position = (angle + 1) / 2 * Float(wheelSize - 1)
                // lower = Int(position), fraction = position − Float(lower), for all lanes: the
                // 1.5·2²³ trick rounds to an integer (exact here, 0 ≤ position ≤ 54, as |angle| ≤ 1),
                // then one step down where that rounded up gives the floor.
                precondition(all((position .>= 0) .& (position .<= Float(wheelSize - 1))), "FlowColor: wheel position")
                let shifted = position + magic, rounded = shifted - magic
                let roundedUp = rounded .> position
                var lower = unsafeBitCast(shifted, to: IntLanes.self) &- 0x4B40_0000
                lower.replace(with: lower &- 1, where: roundedUp)
                let fraction = position - rounded.replacing(with: rounded - 1, where: roundedUp)
                for lane in 0..<FloatLanes.scalarCount {
                    var length = squares[lane].squareRoot()
                    if saturate { length = min(length, 1) }
                    paint(lower: Int(lower[lane]), fraction: fraction[lane], length: length, pairs: pairs, into: out,
                          at: 3 * (block + lane))
                }
            }
        }
    }

    /// The end of `colour` from the wheel position on (`lower` = Int(position), `fraction` =
    /// position − lower): interpolate the two neighbouring wheel colours, fade towards white by
    /// `length`, store `floor(255 · value)` as bytes — for the three channels at once, with the
    /// same float32 operations in the same order, so the same bytes. `pairs` is `wheelPairs`.
    @inline(__always)
    static func paint(lower: Int, fraction: Float, length: Float, pairs: UnsafePointer<SIMD4<Float>>,
                      into out: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        let f = SIMD4<Float>(repeating: fraction), one = SIMD4<Float>(repeating: 1)
        var value = (one - f) * pairs[2 * lower] + f * pairs[2 * lower + 1]
        value = one - length * (one - value)
        let scaled = 255 * value
        let target = out.baseAddress.unsafelyUnwrapped + offset
        // floor through the 1.5·2²³ trick: adding it rounds to an integer (to nearest), which
        // then sits in the low mantissa bits; step down where that rounded up. Exact for
        // |scaled| < 2²²; anything larger (never, for normalised flow) goes through torchByte.
        let magic = SIMD4<Float>(repeating: 12_582_912)
        let magnitude = unsafeBitCast(scaled, to: SIMD4<Int32>.self) & 0x7FFF_FFFF
        guard all(magnitude .< 0x4A80_0000) else {  // 2²² as float bits
            for c in 0..<3 { target[c] = torchByte(scaled[c]) }
            return
        }
        let shifted = scaled + magic
        var whole = unsafeBitCast(shifted, to: SIMD4<Int32>.self) &- 0x4B40_0000
        whole.replace(with: whole &- 1, where: shifted - magic .> scaled)
        target[0] = UInt8(truncatingIfNeeded: whole[0])
        target[1] = UInt8(truncatingIfNeeded: whole[1])
        target[2] = UInt8(truncatingIfNeeded: whole[2])
    }

    /// The largest vector length in the field, each length rounded to float32 as torch does.
    /// Square roots round monotonically, so the root of the largest squared length is the
    /// largest root: one square root per field instead of one per vector (and the maximum of
    /// non-NaN values does not depend on the order they are taken in: eight lanes at a time).
    static func largestLength(u: [Float], v: [Float]) -> Float {
        let count = min(u.count, v.count), blocked = count - count % FloatLanes.scalarCount
        var largest: Float = 0
        u.withUnsafeBufferPointer { u in
            v.withUnsafeBufferPointer { v in
                if blocked > 0, let uBase = UnsafeRawPointer(u.baseAddress), let vBase = UnsafeRawPointer(v.baseAddress) {
                    let exponent = FloatBitLanes(repeating: 0x7F80_0000)
                    var lanes = FloatLanes.zero
                    for block in stride(from: 0, to: blocked, by: FloatLanes.scalarCount) {
                        let offset = block * MemoryLayout<Float>.stride
                        let x = uBase.loadUnaligned(fromByteOffset: offset, as: FloatLanes.self)
                        let y = vBase.loadUnaligned(fromByteOffset: offset, as: FloatLanes.self)
                        let nonFinite = (unsafeBitCast(x, to: FloatBitLanes.self) & exponent .== exponent)
                            .| (unsafeBitCast(y, to: FloatBitLanes.self) & exponent .== exponent)
                        let squares = (x * x + y * y).replacing(with: 0, where: nonFinite)
                        lanes.replace(with: squares, where: squares .> lanes)
                    }
                    largest = lanes.max()
                }
                for index in blocked..<count {
                    let (x, y) = finite(u[index], v[index])
                    largest = max(largest, x * x + y * y)
                }
            }
        }
        return largest.squareRoot()
    }

    /// A vector with a NaN or infinite component becomes no motion (torchvision has no defined
    /// output for such fields: a NaN poisons its maximum and so every pixel).
    @inline(__always)
    static func finite(_ u: Float, _ v: Float) -> (Float, Float) { u.isFinite && v.isFinite ? (u, v) : (0, 0) }

    /// Elements per step of torch 1.13's vectorised CPU loop with AVX2 kernels (2 × 8 floats).
    static let torchStepWidth = 16

    /// π rounded to nearest in float32, as torch turns Python's `math.pi` into a float32
    /// operand (Swift's `Float.pi` is rounded toward zero, one ulp lower).
    static let torchPi = Float(Double.pi)

    /// `floor(value)` stored as uint8 the way torch's CPU copy kernel does it: truncate to an
    /// integer and keep the low 8 bits, so the −1 that rounding can produce at full saturation
    /// becomes 255.
    @inline(__always)
    static func torchByte(_ value: Float) -> UInt8 {
        guard value.magnitude < 2_147_483_648 else { return 0 }  // unreachable for normalised flow; never trap
        var whole = Int32(value)
        if Float(whole) > value { whole -= 1 }  // floor for negative fractions
        return UInt8(truncatingIfNeeded: whole)
    }
}
