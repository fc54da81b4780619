import Foundation

/// Optical flow drawn as colour with the Middlebury colour wheel (Baker et al., ICCV 2007):
/// hue says which way a pixel moves, saturation how far, white means no motion.
///
/// `image(u:v:width:height:normalization:)` follows torchvision's `flow_to_image` float32
/// arithmetic step by step, so `.perFrameMaximum` reproduces torchvision 0.14 with torch 1.13
/// on an x86-64 CPU byte for byte (ViMoCLIP feeds exactly these images to CLIP); see
/// FlowColor+Atan2.swift for the one operation that needed more than IEEE float32.
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
        let wheel = unitWheel
        var pixels = [UInt8](repeating: 0, count: count * 3)
        pixels.withUnsafeMutableBufferPointer { out in
            wheel.withUnsafeBufferPointer { wheel in
                for index in 0..<count {
                    let (x, y) = finite(u[index], v[index])
                    colour(u: x / scale, v: y / scale, saturate: saturate, libmAngle: index >= steppedCount,
                           wheel: wheel, into: out, at: 3 * index)
                }
            }
        }
        return pixels
    }

    /// Writes the RGB colour of one normalised flow vector at `out[offset...]`, in torchvision's
    /// order of float32 operations. `libmAngle` picks the atan2 of torch's one-by-one path over
    /// its vectorised one; `wheel` is `unitWheel`.
    @inline(__always)
    static func colour(u: Float, v: Float, saturate: Bool, libmAngle: Bool, wheel: UnsafeBufferPointer<Float>,
                       into out: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        var length = (u * u + v * v).squareRoot()
        if saturate { length = min(length, 1) }
        // Direction of the reversed vector in units of π, in [−1, 1]: rightward motion lands on
        // ±1, the two ends of the wheel, both red.
        let angle = (libmAngle ? atan2(-v, -u) : torchAtan2(-v, -u)) / torchPi
        let position = (angle + 1) / 2 * Float(wheelSize - 1)
        let lower = Int(position)  // position ≥ 0, so truncation is floor
        let upper = lower + 1 == wheelSize ? 0 : lower + 1
        let fraction = position - Float(lower)
        for c in 0..<3 {
            var value = (1 - fraction) * wheel[3 * lower + c] + fraction * wheel[3 * upper + c]
            value = 1 - length * (1 - value)
            out[offset + c] = torchByte(255 * value)
        }
    }

    /// The largest vector length in the field, each length rounded to float32 as torch does.
    static func largestLength(u: [Float], v: [Float]) -> Float {
        var largest: Float = 0
        for index in u.indices {
            let (x, y) = finite(u[index], v[index])
            largest = max(largest, (x * x + y * y).squareRoot())
        }
        return largest
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
