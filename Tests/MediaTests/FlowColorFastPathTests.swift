import Foundation
import TestSupport
import XCTest
#if canImport(Media)
@testable import Media
#else
@testable import FlowColor
#endif

/// `FlowColor.image`'s fast path against the per-pixel reference it replaced
/// (`FlowColor.referenceImage`, torchvision's arithmetic through the full SLEEF emulation):
/// every byte of every image must be the same, and every bit of every angle.
final class FlowColorFastPathTests: XCTestCase {
    private static let normalizations: [FlowColor.Normalization] = [
        .perFrameMaximum, .fixed(0), .fixed(1e-30), .fixed(0.37), .fixed(1), .fixed(2), .fixed(7.5), .fixed(1e6), .fixed(3e38),
    ]

    /// Values that stress the arithmetic: signed zeros, subnormals, float32's extremes, exact
    /// fractions, float16-representable flow (what the cache stores), and non-finite values.
    private static let specials: [Float] = [
        0, -0, 1, -1, 0.5, -0.5, 2, -3, 1e-3, -1e-3, 1e-20, -1e-20, 1e20, -1e20, 3e19, -1.8e19,
        .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, -.leastNormalMagnitude,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, Float(bitPattern: 0x0020_0001), 0x1p-60, -0x1p-61, 0x1p60,
        0x1.000002p60, .ulpOfOne, 1 + .ulpOfOne, 1 - .ulpOfOne / 2, Float(Float16(0.333)), Float(Float16(-12.7)),
        .nan, .infinity, -.infinity,
    ]

    private func randomValue(_ generator: inout SeededGenerator, kind: Int) -> Float {
        switch kind {
        case 0: return Float(generator.unit() * 8 - 4)  // ordinary flow, pixels per frame
        case 1: return Float(Float16(Float(generator.unit() * 40 - 20)))  // float16 flow as cached
        case 2: return Float((generator.unit() * 2 - 1) * pow(10, generator.unit() * 60 - 30))  // any scale
        case 3: return Float(Int(generator.unit() * 9) - 4)  // small integers: exact ratios, axis directions
        case 4: return Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()))  // any bits, NaN included
        case 5: return Self.specials[Int(generator.unit() * Double(Self.specials.count))]
        default: return Float(generator.unit() * 1e-3 - 5e-4)  // barely moving
        }
    }

    private func assertSame(_ u: [Float], _ v: [Float], width: Int, height: Int, _ label: String,
                            normalizations: [FlowColor.Normalization] = FlowColorFastPathTests.normalizations,
                            file: StaticString = #filePath, line: UInt = #line) {
        for normalization in normalizations {
            let fast = FlowColor.image(u: u, v: v, width: width, height: height, normalization: normalization)
            let reference = FlowColor.referenceImage(u: u, v: v, width: width, height: height, normalization: normalization)
            if fast != reference {
                let index = fast.indices.first { $0 >= reference.count || fast[$0] != reference[$0] } ?? fast.count
                let pixel = index / 3
                XCTFail("\(label), \(normalization): byte \(index) differs (pixel \(pixel): u \(u[pixel]), v \(v[pixel])): "
                    + "\(fast[index]) vs reference \(reference[index])", file: file, line: line)
                return
            }
        }
    }

    func testImageMatchesTheReferenceOnRandomFields() {
        var generator = SeededGenerator(seed: 2024)
        for field in 0..<400 {
            // Sizes around and off torch's 16-float step, so both the SLEEF and the libm tail run.
            let width = 1 + Int(generator.unit() * 40), height = 1 + Int(generator.unit() * 24)
            let count = width * height
            // One kind for the whole field, or a different kind per value.
            let fieldKind = field % 8
            var u = [Float](), v = [Float]()
            for _ in 0..<count {
                let kindU = fieldKind == 7 ? Int(generator.unit() * 7) : fieldKind
                let kindV = fieldKind == 7 ? Int(generator.unit() * 7) : fieldKind
                u.append(randomValue(&generator, kind: kindU))
                v.append(randomValue(&generator, kind: kindV))
            }
            assertSame(u, v, width: width, height: height, "field \(field) (\(width)×\(height), kind \(fieldKind))")
        }
    }

    func testImageMatchesTheReferenceOnFullSizeFields() {
        var generator = SeededGenerator(seed: 99)
        let side = 224, count = side * side
        let normalizations: [FlowColor.Normalization] = [.perFrameMaximum, .fixed(0), .fixed(2), .fixed(1e6)]
        // Smooth DIS-like motion stored as float16, and uniform random motion.
        let smoothU = (0..<count).map { Float(Float16(Float(sin(Double($0 % side) / 17) * 3 + Double($0 / side) / 90))) }
        let smoothV = (0..<count).map { Float(Float16(Float(cos(Double($0 / side) / 23) * 2 - Double($0 % side) / 70))) }
        assertSame(smoothU, smoothV, width: side, height: side, "smooth float16 224²", normalizations: normalizations)
        let u = (0..<count).map { _ in Float(generator.unit() * 10 - 5) }, v = (0..<count).map { _ in Float(generator.unit() * 10 - 5) }
        assertSame(u, v, width: side, height: side, "uniform 224²", normalizations: normalizations)
        // The bench's ramp field.
        let rampU = (0..<count).map { Float($0 % side) * 0.1 - 5 }, rampV = (0..<count).map { Float($0 / side) * 0.05 - 3 }
        assertSame(rampU, rampV, width: side, height: side, "ramp 224²", normalizations: normalizations)
    }

    func testImageMatchesTheReferenceOnEdgeFields() {
        let zeros = [Float](repeating: 0, count: 48), negativeZeros = [Float](repeating: -0.0, count: 48)
        assertSame(zeros, zeros, width: 8, height: 6, "zeros (largest length 0)")
        assertSame(negativeZeros, zeros, width: 8, height: 6, "−0, +0")
        assertSame(zeros, negativeZeros, width: 6, height: 8, "+0, −0")
        assertSame(negativeZeros, negativeZeros, width: 16, height: 3, "−0, −0")
        assertSame([], [], width: 0, height: 0, "empty")
        assertSame([], [], width: 0, height: 5, "zero width")
        let nonFinite = [Float](repeating: .nan, count: 32)
        assertSame(nonFinite, zeros.prefix(32).map { $0 }, width: 32, height: 1, "only NaN: largest length 0")
        // Every pair of special values, in a field whose length is not a multiple of 16.
        let specials = Self.specials
        let u = specials.flatMap { a in specials.map { _ in a } }, v = specials.flatMap { _ in specials }
        assertSame(u, v, width: specials.count, height: specials.count, "special × special")
        // The same pairs, each alone in its field (its own maximum), on the SLEEF path (16 copies).
        for (a, b) in zip(u, v) {
            assertSame([Float](repeating: a, count: 16), [Float](repeating: b, count: 16), width: 4, height: 4, "(\(a), \(b))×16")
        }
        // Extremes whose squared lengths overflow to infinity.
        assertSame([3e38, -3e38, 1e20, 1, 0, -1e-45] + [Float](repeating: 0.5, count: 10),
                   [1, 3e38, -1e20, 1e-30, -0.0, 1e-45] + [Float](repeating: -0.25, count: 10), width: 16, height: 1, "overflow")
    }

    func testFastAtan2MatchesTorchAtan2BitForBit() {
        var generator = SeededGenerator(seed: 11)
        var mismatches: [String] = []
        // The scalar fast path on every input, the eight-lane one on every run of eight inputs.
        var ys = FlowColor.FloatLanes(), xs = FlowColor.FloatLanes(), filled = 0
        func check(_ y: Float, _ x: Float) {
            let fast = FlowColor.fastTorchAtan2(y, x), reference = FlowColor.torchAtan2(y, x)
            if fast.bitPattern != reference.bitPattern, mismatches.count < 5 {
                mismatches.append("atan2(\(y), \(x)) = \(fast), reference \(reference)")
            }
            ys[filled] = y
            xs[filled] = x
            filled += 1
            if filled == FlowColor.FloatLanes.scalarCount {
                filled = 0
                let lanes = FlowColor.fastTorchAtan2(ys, xs)
                for lane in 0..<lanes.scalarCount
                where lanes[lane].bitPattern != FlowColor.torchAtan2(ys[lane], xs[lane]).bitPattern && mismatches.count < 5 {
                    mismatches.append("lanes: atan2(\(ys[lane]), \(xs[lane])) = \(lanes[lane])")
                }
            }
        }
        for round in 0..<1_000_000 {
            let y: Float, x: Float
            switch round % 5 {
            case 0:
                y = Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()))
                x = Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()))
            case 1:  // normalised flow
                y = Float(generator.unit() * 2 - 1)
                x = Float(generator.unit() * 2 - 1)
            case 2:  // very different magnitudes, across the fast path's 2^±60 limits
                y = Float((generator.unit() * 2 - 1) * pow(2, generator.unit() * 160 - 80))
                x = Float((generator.unit() * 2 - 1) * pow(2, generator.unit() * 160 - 80))
            case 3:  // near the diagonals, where the octant fold switches
                let a = Float(generator.unit() * 2 - 1)
                y = a * (generator.unit() < 0.5 ? 1 : -1)
                x = a.nextUp * (generator.unit() < 0.5 ? 1 : -1)
            default:  // float16-quantised components
                y = Float(Float16(Float(generator.unit() * 2 - 1)))
                x = Float(Float16(Float(generator.unit() * 2 - 1)))
            }
            check(y, x)
        }
        for y in Self.specials {
            for x in Self.specials { check(y, x) }
        }
        XCTAssertEqual(mismatches, [])
    }
}
