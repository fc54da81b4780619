import Foundation

extension FlowColor {
    /// The straightforward per-pixel form of `image(u:v:width:height:normalization:)`: the same
    /// torchvision arithmetic, one pixel at a time through `colour` and the full SLEEF `torchAtan2`.
    /// `image` must return exactly these bytes for every input; it is kept as the specification
    /// that the fast path is tested against (FlowColorFastPathTests), and as the code `image`
    /// falls back to for a pixel whose fast result it cannot vouch for.
    static func referenceImage(u: [Float], v: [Float], width: Int, height: Int,
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
            scale = referenceLargestLength(u: u, v: v) + epsilon
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
    static func referenceLargestLength(u: [Float], v: [Float]) -> Float {
        var largest: Float = 0
        for index in u.indices {
            let (x, y) = finite(u[index], v[index])
            largest = max(largest, (x * x + y * y).squareRoot())
        }
        return largest
    }
}
