extension FlowColor {
    /// Hues per segment of the Middlebury wheel: red→yellow, yellow→green, green→cyan,
    /// cyan→blue, blue→magenta, magenta→red (the counts torchvision and flow_vis use).
    static let wheelSegments = (redYellow: 15, yellowGreen: 6, greenCyan: 4, cyanBlue: 11, blueMagenta: 13,
                                magentaRed: 6)

    /// Number of colours on the wheel (55).
    static let wheelSize = 15 + 6 + 4 + 11 + 13 + 6

    /// The wheel as `wheelSize × 3` float32 values in 0...255, flattened row by row.
    /// Ramps are `floor(255 · i / n)` with the division in float32, as `torch.arange(n)` makes them.
    static let wheel: [Float] = {
        let s = wheelSegments
        var colours: [(Float, Float, Float)] = []
        func ramp(_ i: Int, _ n: Int) -> Float { (Float(255 * i) / Float(n)).rounded(.down) }
        for i in 0..<s.redYellow { colours.append((255, ramp(i, s.redYellow), 0)) }
        for i in 0..<s.yellowGreen { colours.append((255 - ramp(i, s.yellowGreen), 255, 0)) }
        for i in 0..<s.greenCyan { colours.append((0, 255, ramp(i, s.greenCyan))) }
        for i in 0..<s.cyanBlue { colours.append((0, 255 - ramp(i, s.cyanBlue), 255)) }
        for i in 0..<s.blueMagenta { colours.append((ramp(i, s.blueMagenta), 0, 255)) }
        for i in 0..<s.magentaRed { colours.append((255, 0, 255 - ramp(i, s.magentaRed))) }
        precondition(colours.count == wheelSize)
        return colours.flatMap { [$0.0, $0.1, $0.2] }
    }()

    /// `wheel / 255` in float32, the per-colour division torchvision does for every pixel.
    static let unitWheel: [Float] = wheel.map { $0 / 255 }

    /// For each wheel index i, `unitWheel`'s colour i and the next one round the wheel (i + 1,
    /// or 0 after the last) as (r, g, b, 0) vectors at 2i and 2i + 1: both colours `paint` mixes.
    static let wheelPairs: [SIMD4<Float>] = (0..<wheelSize).flatMap { i -> [SIMD4<Float>] in
        let next = i + 1 == wheelSize ? 0 : i + 1
        return [SIMD4(unitWheel[3 * i], unitWheel[3 * i + 1], unitWheel[3 * i + 2], 0),
                SIMD4(unitWheel[3 * next], unitWheel[3 * next + 1], unitWheel[3 * next + 2], 0)]
    }
}
