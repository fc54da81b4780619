import Foundation

/// X-CLIP's appearance augmentation of RGB frames in training (its configs: `GroupRandomColorJitter` with
/// p = 0.8, brightness 0.4, contrast 0.4, saturation 0.2, hue 0.1, then `GroupRandomGrayscale` with p = 0.2),
/// one draw per video, classifier and epoch, applied alike to every frame of the clip. Never applied to flow
/// images: their colours are the motion (XCLIP.md).
///
/// Each factor follows torchvision's definitions on the image as floats in [0, 255]: brightness scales the
/// pixels by b ∈ [0.6, 1.4]; contrast blends with the mean of the frame's grey (0.2989 R + 0.587 G + 0.114 B, torchvision's)
/// by c ∈ [0.6, 1.4]; saturation blends with the pixel's grey by s ∈ [0.8, 1.2]; hue rotates the HSV hue by
/// h ∈ [−0.1, 0.1] of a turn. They are applied in that fixed order (torchvision draws a random order) with
/// clamping to [0, 255] after each, and rounded to bytes once at the end (torchvision on PIL images rounds
/// after each step).
public struct ColorJitter: Sendable, Equatable, Codable {
    /// Probability that a clip is colour-jittered.
    public var probability = 0.8
    /// Largest relative change of brightness and contrast, of saturation, and the largest hue shift (turns).
    public var brightness = 0.4, contrast = 0.4, saturation = 0.2, hue = 0.1
    /// Probability that a clip is turned grey (after the jitter).
    public var grayscale = 0.2

    /// X-CLIP's settings.
    public static let xclip = ColorJitter()

    public init() {}

    /// What one clip gets.
    public struct Draw: Sendable, Equatable {
        /// nil: no colour jitter.
        public var factors: (brightness: Double, contrast: Double, saturation: Double, hue: Double)?
        public var grey: Bool

        public init(factors: (brightness: Double, contrast: Double, saturation: Double, hue: Double)?, grey: Bool) {
            self.factors = factors
            self.grey = grey
        }

        public static func == (a: Draw, b: Draw) -> Bool {
            a.grey == b.grey && a.factors.map { [$0.brightness, $0.contrast, $0.saturation, $0.hue] }
                == b.factors.map { [$0.brightness, $0.contrast, $0.saturation, $0.hue] }
        }

        /// Whether the draw leaves the frames as they are.
        public var isIdentity: Bool { factors == nil && !grey }
    }

    /// The draw for `key` (e.g. [video, classifier, epoch]), from `random`: the same key always draws the same.
    public func draw(_ random: KeyedRandom, key: [String]) -> Draw {
        func unit(_ name: String) -> Double { random.unit(["color-jitter", name] + key) }
        let jittered = unit("apply") < probability
        let factors = jittered ? (brightness: 1 + brightness * (2 * unit("brightness") - 1),
                                  contrast: 1 + contrast * (2 * unit("contrast") - 1),
                                  saturation: 1 + saturation * (2 * unit("saturation") - 1),
                                  hue: hue * (2 * unit("hue") - 1)) : nil
        return Draw(factors: factors, grey: unit("grey") < grayscale)
    }

    /// Applies `draw` to one RGB frame (width × height × 3 bytes) in place.
    public static func apply(_ draw: Draw, to frame: inout ArraySlice<UInt8>, pixels: Int) {
        guard !draw.isIdentity, pixels > 0 else { return }
        let start = frame.startIndex
        var rgb = [Float](repeating: 0, count: 3 * pixels)
        for i in 0..<(3 * pixels) { rgb[i] = Float(frame[start + i]) }
        func grey(_ p: Int) -> Float { 0.2989 * rgb[3 * p] + 0.587 * rgb[3 * p + 1] + 0.114 * rgb[3 * p + 2] }
        func clamp(_ x: Float) -> Float { min(255, max(0, x)) }
        if let f = draw.factors {
            let b = Float(f.brightness)
            for i in 0..<(3 * pixels) { rgb[i] = clamp(rgb[i] * b) }
            var mean: Float = 0
            for p in 0..<pixels { mean += grey(p) }
            mean /= Float(pixels)
            let c = Float(f.contrast)
            for i in 0..<(3 * pixels) { rgb[i] = clamp(mean + c * (rgb[i] - mean)) }
            let s = Float(f.saturation)
            for p in 0..<pixels {
                let g = grey(p)
                for k in 0..<3 { rgb[3 * p + k] = clamp(g + s * (rgb[3 * p + k] - g)) }
            }
            if f.hue != 0 {
                for p in 0..<pixels { rotateHue(&rgb, at: 3 * p, by: Float(f.hue)) }
            }
        }
        if draw.grey {
            for p in 0..<pixels {
                let g = grey(p)
                rgb[3 * p] = g
                rgb[3 * p + 1] = g
                rgb[3 * p + 2] = g
            }
        }
        for i in 0..<(3 * pixels) { frame[start + i] = UInt8(rgb[i].rounded()) }
    }

    /// Rotates one pixel's hue by `shift` turns through HSV (value and saturation kept).
    static func rotateHue(_ rgb: inout [Float], at i: Int, by shift: Float) {
        let r = rgb[i], g = rgb[i + 1], b = rgb[i + 2]
        let maxc = max(r, g, b), minc = min(r, g, b), delta = maxc - minc
        guard delta > 0 else { return }  // grey: no hue
        var h: Float
        if maxc == r { h = (g - b) / delta } else if maxc == g { h = 2 + (b - r) / delta } else { h = 4 + (r - g) / delta }
        h = h / 6 + shift
        h -= h.rounded(.down)
        let s = delta / maxc, v = maxc
        let sector = h * 6, k = Int(sector.rounded(.down)) % 6, f = sector - sector.rounded(.down)
        let p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
        let out: (Float, Float, Float)
        switch k {
        case 0: out = (v, t, p)
        case 1: out = (q, v, p)
        case 2: out = (p, v, t)
        case 3: out = (p, q, v)
        case 4: out = (t, p, v)
        default: out = (v, p, q)
        }
        (rgb[i], rgb[i + 1], rgb[i + 2]) = out
    }
}
