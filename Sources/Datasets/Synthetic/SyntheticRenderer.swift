import Foundation

/// One textured "animal": an ellipse with stripes, moving by its action.
struct SyntheticAnimal: Sendable {
    var action: SyntheticAction
    var x: Double, y: Double            // centre at frame 0
    var radiusX: Double, radiusY: Double
    var angle: Double                   // body orientation at frame 0 (radians)
    var colourA: (UInt8, UInt8, UInt8)
    var colourB: (UInt8, UInt8, UInt8)
    var stripePeriod: Double            // pixels per stripe pair, along the body
    var speed: Double                   // px/frame (walking), rad/frame (spinning), amplitude scale otherwise
    var phase: Double
    var jitterSeed: UInt64

    /// Position and orientation at frame t.
    func pose(at t: Int, width: Int, height: Int) -> (x: Double, y: Double, angle: Double) {
        let time = Double(t)
        switch action {
        case .walkingLeft:
            return (x - speed * time, y + 1.5 * sin(time * 0.5 + phase), angle)
        case .walkingRight:
            return (x + speed * time, y + 1.5 * sin(time * 0.5 + phase), angle)
        case .keepingStill:
            return (x, y, angle)
        case .jumping:
            return (x, y - (10 + 8 * speed) * abs(sin(time * 0.22 + phase)), angle)
        case .swimming:
            return (x + (12 + 6 * speed) * sin(time * 0.3 + phase), y + 2 * sin(time * 0.6 + phase), angle + 0.25 * sin(time * 0.3 + phase))
        case .spinning:
            return (x, y, angle + (0.12 + 0.08 * speed) * time)
        case .shaking:
            var rng = SplitMix64(seed: jitterSeed &+ UInt64(t))
            return (x + rng.uniform(-3, 3), y + rng.uniform(-3, 3), angle + rng.uniform(-0.08, 0.08))
        }
    }

    /// Paints the animal at frame t into an RGB24 buffer.
    func draw(into pixels: inout [UInt8], width: Int, height: Int, frame t: Int) {
        let (cx, cy, theta) = pose(at: t, width: width, height: height)
        SyntheticBody(radiusX: radiusX, radiusY: radiusY, colourA: colourA, colourB: colourB, stripePeriod: stripePeriod)
            .paint(into: &pixels, width: width, height: height, x: cx, y: cy, angle: theta)
    }
}

/// How an animal looks: a striped ellipse with a darker head, painted at any pose.
struct SyntheticBody: Sendable {
    var radiusX: Double, radiusY: Double
    var colourA: (UInt8, UInt8, UInt8)
    var colourB: (UInt8, UInt8, UInt8)
    var stripePeriod: Double            // pixels per stripe pair, along the body

    /// Paints the body centred at (x, y), turned by `angle`, into an RGB24 buffer (clipped to it).
    func paint(into pixels: inout [UInt8], width: Int, height: Int, x cx: Double, y cy: Double, angle theta: Double) {
        let reach = max(radiusX, radiusY) + 1
        let x0 = max(0, Int(cx - reach)), x1 = min(width - 1, Int(cx + reach))
        let y0 = max(0, Int(cy - reach)), y1 = min(height - 1, Int(cy + reach))
        guard x0 <= x1, y0 <= y1 else { return }
        let c = cos(theta), s = sin(theta)
        for py in y0...y1 {
            for px in x0...x1 {
                let dx = Double(px) - cx, dy = Double(py) - cy
                let u = dx * c + dy * s        // along the body
                let v = -dx * s + dy * c
                let r = (u * u) / (radiusX * radiusX) + (v * v) / (radiusY * radiusY)
                guard r <= 1 else { continue }
                // A head: the front quarter is darker, so orientation (and spinning) is visible.
                let stripe = (u / stripePeriod + 16).truncatingRemainder(dividingBy: 1) < 0.5
                var colour = stripe ? colourA : colourB
                if u > radiusX * 0.55 { colour = (colour.0 / 2, colour.1 / 2, colour.2 / 2) }
                let o = (py * width + px) * 3
                pixels[o] = colour.0
                pixels[o + 1] = colour.1
                pixels[o + 2] = colour.2
            }
        }
    }
}

/// A static textured background: a few coloured gratings plus fine noise.
struct SyntheticBackground: Sendable {
    let pixels: [UInt8]

    init(width: Int, height: Int, rng: inout SplitMix64) {
        let waves = (0..<3).map { _ in
            (fx: rng.uniform(0.01, 0.08), fy: rng.uniform(0.01, 0.08), phase: rng.uniform(0, 6.28),
             r: rng.uniform(-60, 60), g: rng.uniform(-60, 60), b: rng.uniform(-60, 60))
        }
        let base = (rng.uniform(60, 190), rng.uniform(60, 190), rng.uniform(60, 190))
        var noise = SplitMix64(seed: rng.next())
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                var r = base.0, g = base.1, b = base.2
                for w in waves {
                    let value = sin(Double(x) * w.fx * 6.28 + Double(y) * w.fy * 6.28 + w.phase)
                    r += w.r * value; g += w.g * value; b += w.b * value
                }
                let grain = noise.uniform(-8, 8)
                let o = (y * width + x) * 3
                out[o] = UInt8(clamping: Int(r + grain))
                out[o + 1] = UInt8(clamping: Int(g + grain))
                out[o + 2] = UInt8(clamping: Int(b + grain))
            }
        }
        pixels = out
    }
}

/// A clip: background, animals, and the actions they perform (its labels).
struct SyntheticClip: Sendable {
    var background: SyntheticBackground
    var animals: [SyntheticAnimal]
    var width: Int
    var height: Int

    var actions: [SyntheticAction] {
        Array(Set(animals.map(\.action))).sorted { $0.rawValue < $1.rawValue }
    }

    func frame(_ t: Int) -> [UInt8] {
        var pixels = background.pixels
        for animal in animals { animal.draw(into: &pixels, width: width, height: height, frame: t) }
        return pixels
    }

    /// Draws a clip with 1...maxAnimals animals whose actions follow the weights.
    static func random(width: Int, height: Int, frames: Int, maxAnimals: Int, rng: inout SplitMix64) -> SyntheticClip {
        let background = SyntheticBackground(width: width, height: height, rng: &rng)
        let count = 1 + Int(rng.next() % UInt64(max(1, maxAnimals)))
        let total = SyntheticAction.allCases.reduce(0) { $0 + $1.weight }
        var animals: [SyntheticAnimal] = []
        for _ in 0..<count {
            var pick = rng.uniform(0, total)
            var action = SyntheticAction.keepingStill
            for candidate in SyntheticAction.allCases {
                pick -= candidate.weight
                if pick < 0 { action = candidate; break }
            }
            let w = Double(width), h = Double(height)
            let speed = rng.uniform(0.6, 1.2) * (w / 224) * 2.2
            // Walkers start on the side they walk away from, so they stay in view.
            let travel = speed * Double(frames)
            var x = rng.uniform(0.2 * w, 0.8 * w)
            if action == .walkingRight { x = rng.uniform(0.1 * w, max(0.1 * w + 1, 0.9 * w - travel)) }
            if action == .walkingLeft { x = rng.uniform(min(0.9 * w - 1, 0.1 * w + travel), 0.9 * w) }
            func colour() -> (UInt8, UInt8, UInt8) {
                (UInt8(rng.next() % 256), UInt8(rng.next() % 256), UInt8(rng.next() % 256))
            }
            animals.append(SyntheticAnimal(
                action: action, x: x, y: rng.uniform(0.3 * h, 0.8 * h),
                radiusX: rng.uniform(0.07, 0.12) * w, radiusY: rng.uniform(0.04, 0.07) * w,
                angle: rng.uniform(0, 6.28), colourA: colour(), colourB: colour(),
                stripePeriod: rng.uniform(4, 10), speed: speed, phase: rng.uniform(0, 6.28), jitterSeed: rng.next()))
        }
        return SyntheticClip(background: background, animals: animals, width: width, height: height)
    }
}
