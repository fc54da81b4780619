import Foundation

/// Which synthetic dataset to generate.
public enum SyntheticTask: String, CaseIterable, Sendable {
    /// Seven long-tailed actions, 1…maxAnimals animals per clip, walkers starting on the side they
    /// leave: varied footage for the stages' tests and benchmarks.
    case mixed
    /// The thesis test: a fixed number of animals per clip, five balanced actions, and nothing in
    /// any single frame (texture, colours, size, position, background) that depends on the labels.
    case motion
}

/// The actions of the `motion` task: each differs from the others only in how the animal moves
/// (direction, speed, periodicity, stillness). Ids 0–3 are those of `SyntheticAction`.
public enum MotionAction: Int, CaseIterable, Sendable {
    /// Steady drift left or right at 1.3–1.9 px per frame (of vimo's 224×224 frames) with a small
    /// bob; running drifts either way at 3.8–5.2 px; jumping bounces in place; keeping still does not move.
    case walkingLeft, walkingRight, keepingStill, jumping, running

    /// The same action of the mixed task, for ids 0–3 (running is the motion task's own).
    var shared: SyntheticAction? { self == .running ? nil : SyntheticAction(rawValue: rawValue) }

    /// Class name, in the style of Animal Kingdom's df_action.
    public var name: String { shared?.name ?? "Running" }

    /// Animal Kingdom style category.
    public var category: String { shared?.category ?? "Movement" }
}

/// One animal of the motion task. Horizontal positions wrap around the frame (the world is a
/// ring), so where an animal is at any frame is uniformly distributed whatever it does: only the
/// change between frames tells the actions apart.
struct MotionTaskAnimal: Sendable {
    var action: MotionAction
    var body: SyntheticBody
    var x: Double, y: Double          // position at frame 0
    var angle: Double                 // body orientation (constant: turning is no action here)
    var velocity: Double              // px/frame horizontally (walking, running); signed
    var amplitude: Double             // px: jump height, or the walkers' bob
    var frequency: Double             // rad/frame of the jump or bob
    var phase: Double

    /// Centre at frame t (x not yet wrapped).
    func position(at t: Int) -> (x: Double, y: Double) {
        let time = Double(t)
        switch action {
        case .walkingLeft, .walkingRight, .running:
            return (x + velocity * time, y + amplitude * sin(frequency * time + phase))
        case .keepingStill:
            return (x, y)
        case .jumping:
            // Bounces off the ground; 2/π is the mean of |sin|, so on average the animal sits at y, as at rest.
            return (x, y + amplitude * (2 / Double.pi - abs(sin(frequency * time + phase))))
        }
    }

    func draw(into pixels: inout [UInt8], width: Int, height: Int, frame t: Int) {
        let (cx, cy) = position(at: t)
        let w = Double(width)
        let wrapped = cx - w * (cx / w).rounded(.down)
        // The copies one frame-width either side draw the part that crosses the edge.
        for shift in [-w, 0, w] {
            body.paint(into: &pixels, width: width, height: height, x: wrapped + shift, y: cy, angle: angle)
        }
    }
}

/// A clip of the motion task: a static background and `count` animals, one per horizontal band
/// (fewer occlusions), each doing an action drawn uniformly and independently of its look.
struct MotionTaskClip: Sendable {
    var background: SyntheticBackground
    var animals: [MotionTaskAnimal]
    var width: Int
    var height: Int

    /// The distinct actions in the clip, by id.
    var labels: [Int] { Array(Set(animals.map(\.action.rawValue))).sorted() }

    func frame(_ t: Int) -> [UInt8] {
        var pixels = background.pixels
        for animal in animals { animal.draw(into: &pixels, width: width, height: height, frame: t) }
        return pixels
    }

    static func random(width: Int, height: Int, animals count: Int, rng: inout SplitMix64) -> MotionTaskClip {
        let background = SyntheticBackground(width: width, height: height, rng: &rng)
        let w = Double(width), h = Double(height)
        // Speeds are set in pixels of vimo's 224×224 frames, then scaled to the video's size.
        let sx = w / 224, sy = h / 224
        let bandTop = 0.22 * h, band = 0.62 * h / Double(max(1, count))
        var animals: [MotionTaskAnimal] = []
        for k in 0..<max(1, count) {
            let action = MotionAction.allCases[Int(rng.next() % UInt64(MotionAction.allCases.count))]
            func colour() -> (UInt8, UInt8, UInt8) {
                (UInt8(rng.next() % 256), UInt8(rng.next() % 256), UInt8(rng.next() % 256))
            }
            let body = SyntheticBody(radiusX: rng.uniform(0.08, 0.12) * w, radiusY: rng.uniform(0.045, 0.07) * w,
                                     colourA: colour(), colourB: colour(), stripePeriod: rng.uniform(4, 10))
            let x = rng.uniform(0, w), y = bandTop + band * (Double(k) + rng.uniform(0.25, 0.75))
            let angle = rng.uniform(0, 2 * Double.pi), phase = rng.uniform(0, 2 * Double.pi)
            let direction: Double = rng.next() % 2 == 0 ? -1 : 1
            let walk = rng.uniform(1.3, 1.9) * sx, run = rng.uniform(3.8, 5.2) * sx
            let jump = rng.uniform(14, 22) * sy, bob = 1.2 * sy
            let jumpRate = rng.uniform(0.2, 0.3), bobRate = rng.uniform(0.45, 0.6)
            var animal = MotionTaskAnimal(action: action, body: body, x: x, y: y, angle: angle, velocity: 0,
                                          amplitude: 0, frequency: 0, phase: phase)
            switch action {
            case .walkingLeft: (animal.velocity, animal.amplitude, animal.frequency) = (-walk, bob, bobRate)
            case .walkingRight: (animal.velocity, animal.amplitude, animal.frequency) = (walk, bob, bobRate)
            case .running: (animal.velocity, animal.amplitude, animal.frequency) = (direction * run, bob, 1.6 * bobRate)
            case .jumping: (animal.amplitude, animal.frequency) = (jump, jumpRate)
            case .keepingStill: break
            }
            animals.append(animal)
        }
        return MotionTaskClip(background: background, animals: animals, width: width, height: height)
    }
}
