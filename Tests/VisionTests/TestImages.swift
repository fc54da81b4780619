import Foundation
import TestSupport

/// Deterministic test frames for optical flow: smooth multi-scale texture that DIS can
/// lock on to, cut out of a larger canvas so a shift is an exact integer translation.
struct TexturedCanvas {
    let width: Int
    let height: Int
    private var pixels: [UInt8]

    /// A canvas of smooth value noise (three octaves per channel) from `seed`.
    init(width: Int, height: Int, seed: UInt64) {
        self.width = width
        self.height = height
        var generator = SeededGenerator(seed: seed)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var accumulated = [Double](repeating: 0, count: width * height * 3)
        for (cell, weight) in [(24, 0.55), (9, 0.3), (4, 0.15)] {
            let columns = width / cell + 2, rows = height / cell + 2
            let lattice = (0..<(columns * rows * 3)).map { _ in generator.unit() }
            for y in 0..<height {
                for x in 0..<width {
                    let gx = Double(x) / Double(cell), gy = Double(y) / Double(cell)
                    let x0 = Int(gx), y0 = Int(gy)
                    let fx = smooth(gx - Double(x0)), fy = smooth(gy - Double(y0))
                    for c in 0..<3 {
                        func at(_ i: Int, _ j: Int) -> Double { lattice[((j * columns) + i) * 3 + c] }
                        let top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx
                        let bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx
                        accumulated[(y * width + x) * 3 + c] += weight * (top * (1 - fy) + bottom * fy)
                    }
                }
            }
        }
        for index in pixels.indices { pixels[index] = UInt8(max(0, min(255, accumulated[index] * 255))) }
        self.pixels = pixels
    }

    /// The `width × height` RGB24 window whose top-left corner is at (`x`, `y`).
    func window(x: Int, y: Int, width w: Int, height h: Int) -> [UInt8] {
        precondition(x >= 0 && y >= 0 && x + w <= width && y + h <= height, "window outside the canvas")
        var out = [UInt8]()
        out.reserveCapacity(w * h * 3)
        for row in y..<(y + h) {
            out.append(contentsOf: pixels[((row * width + x) * 3)..<((row * width + x + w) * 3)])
        }
        return out
    }
}

/// Smoothstep, so the noise has no visible lattice edges.
private func smooth(_ t: Double) -> Double { t * t * (3 - 2 * t) }


/// The median of `values` (the upper one of the middle two for an even count).
func median(_ values: [Float]) -> Float {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

/// The `plane`-th plane (0 = u, 1 = v) of a planar 2×H×W field, without a `border` of pixels.
func interior(_ field: [Float], plane: Int, width: Int, height: Int, border: Int) -> [Float] {
    var values: [Float] = []
    for y in border..<(height - border) {
        let row = plane * width * height + y * width
        values.append(contentsOf: field[(row + border)..<(row + width - border)])
    }
    return values
}
