import Foundation
import TestSupport
import XCTest
#if canImport(Media)
@testable import Media
#else
@testable import FlowColor
#endif

/// FlowColor's atan2 against SLEEF itself, the library torch's CPU atan2 calls:
/// every result must have the same bits.
final class FlowColorAtan2Tests: XCTestCase {
    private typealias ScalarAtan2 = @convention(c) (Float, Float) -> Float

    /// SLEEF's scalar FMA build of the u10 atan2, the same arithmetic as the AVX2 one torch uses.
    private func sleefAtan2() throws -> ScalarAtan2 {
        guard let library = dlopen("libsleef.so.3", RTLD_NOW) else {
            throw XCTSkip("libsleef.so.3 is not installed (it comes with Debian's libtorch)")
        }
        guard let symbol = dlsym(library, "Sleef_atan2f1_u10purecfma") else {
            throw XCTSkip("libsleef.so.3 has no Sleef_atan2f1_u10purecfma")
        }
        return unsafeBitCast(symbol, to: ScalarAtan2.self)
    }

    func testMatchesSleefBitForBitOnRandomInputs() throws {
        let sleef = try sleefAtan2()
        var generator = SeededGenerator(seed: 42)
        var mismatches: [String] = []
        for round in 0..<1_000_000 {
            let y: Float, x: Float
            switch round % 4 {
            case 0:  // any bit pattern: denormals, infinities, NaNs, huge and tiny values
                y = Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()))
                x = Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()))
            default:  // the normalised flow components FlowColor actually sees
                y = Float(generator.unit() * 2 - 1) * (round % 4 == 1 ? 1 : 1e-3)
                x = Float(generator.unit() * 2 - 1) * (round % 4 == 3 ? 1e-3 : 1)
            }
            let ours = FlowColor.torchAtan2(y, x), theirs = sleef(y, x)
            if ours.bitPattern != theirs.bitPattern, mismatches.count < 5 {
                mismatches.append("atan2(\(y), \(x)) = \(ours), SLEEF \(theirs)")
            }
        }
        XCTAssertEqual(mismatches, [])
    }

    func testMatchesSleefOnSpecialValues() throws {
        let sleef = try sleefAtan2()
        let specials: [Float] = [0, -0, 1, -1, .infinity, -.infinity, .nan, .greatestFiniteMagnitude,
                                 -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                                 .leastNormalMagnitude, Float(bitPattern: 0x0020_0000), Float(bitPattern: 0x0020_0001),
                                 Float(bitPattern: 0x0020_0002), 1e-30, -3.5, 0.5]
        for y in specials {
            for x in specials {
                XCTAssertEqual(FlowColor.torchAtan2(y, x).bitPattern, sleef(y, x).bitPattern, "atan2(\(y), \(x))")
            }
        }
    }

    func testQuadrantsAgreeWithTheMathematicalAngle() {
        // Independent of SLEEF: the right quadrant and the IEEE signed-zero rules.
        XCTAssertEqual(FlowColor.torchAtan2(-0.0, -0.0), -Float(Double.pi))  // zero flow: reversed vector
        XCTAssertEqual(FlowColor.torchAtan2(0.0, -1.0), Float(Double.pi))
        XCTAssertEqual(FlowColor.torchAtan2(-0.0, 1.0).bitPattern, (-Float(0)).bitPattern)
        XCTAssertEqual(FlowColor.torchAtan2(1, 0), Float(Double.pi / 2))
        for degrees in stride(from: -179.0, through: 179.0, by: 7.0) {
            let radians = degrees * Double.pi / 180
            let angle = FlowColor.torchAtan2(Float(sin(radians)), Float(cos(radians)))
            XCTAssertEqual(Double(angle), radians, accuracy: 1e-6, "\(degrees)°")
        }
    }
}

