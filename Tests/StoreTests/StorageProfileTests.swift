import Foundation
import XCTest
@testable import Store

/// The storage profiles (DESIGN.md §5b): what each one writes, and flow rounding against a
/// reference computed independently in double precision.
final class StorageProfileTests: XCTestCase {
    // MARK: - Flow rounding

    func testRoundingKnownValues() throws {
        // Largest vector (3, 0): E = 1, so k = 10 rounds to multiples of 2^-9 and k = 8 to 2^-7.
        let input: [Float16] = [3, 0.1234, -0.0009, 2.999, /* v */ 0, 0, 0.5, 0]
        func rounded(_ bits: Int) -> [Float16] {
            var field = input
            field.withUnsafeMutableBufferPointer { FlowRounding.round($0, pixels: 4, bits: bits) }
            return field
        }
        // 0.1234 is stored as 0.12341309 (half); 63.19 × 2^-9 rounds to 63 × 2^-9.
        // -0.0009 is 0.46 steps of 2^-9: it rounds to zero, keeping its sign (-0); 2.999 is stored as 2.998046875, already on the grid.
        XCTAssertEqual(rounded(10), [3, 0.123046875, 0, 2.998046875, 0, 0, 0.5, 0].map { Float16($0) })
        XCTAssertEqual(rounded(10)[2].sign, .minus)
        XCTAssertEqual(rounded(8), [3, 0.125, 0, 3, 0, 0, 0.5, 0].map { Float16($0) })
        XCTAssertEqual(FlowRounding.step(maxr: 3, bits: 10), 1.0 / 512)
        XCTAssertEqual(FlowRounding.step(maxr: 4, bits: 10), 1.0 / 256, "a power of two starts its own binade")
        XCTAssertNil(FlowRounding.step(maxr: 0, bits: 10))
        XCTAssertNil(FlowRounding.step(maxr: .nan, bits: 10))
    }

    func testRoundingMatchesADoublePrecisionReferenceAndStaysWithinHalfAStep() throws {
        var random = SplitMix64(seed: 5)
        let pixels = 500
        for (trial, scale) in [Float(1e-3), 0.37, 1, 3.9, 17, 250].enumerated() {
            for bits in [10, 8] {
                var field = random.floats(2 * pixels, scale: scale).map { Float16($0) }
                let original = field
                field.withUnsafeMutableBufferPointer { FlowRounding.round($0, pixels: pixels, bits: bits) }
                // Reference: everything in Double, the exponent from log2.
                let maxr = (0..<pixels).map { hypot(Double(original[$0]), Double(original[pixels + $0])) }.max()!
                let q = pow(2, floor(log2(maxr)) - Double(bits))
                for index in field.indices {
                    let value = Double(original[index])
                    let expected = Float16((value / q).rounded(.toNearestOrEven) * q)
                    XCTAssertEqual(field[index].bitPattern == expected.bitPattern || (field[index] == 0 && expected == 0), true,
                                   "trial \(trial) k=\(bits) [\(index)]: \(original[index]) → \(field[index]), reference \(expected)")
                    XCTAssertLessThanOrEqual(abs(Double(field[index]) - value), q / 2, "trial \(trial) k=\(bits) [\(index)]")
                    // The result is exactly a multiple of q, in float16 (no second rounding).
                    XCTAssertEqual(Double(field[index]) / q, (Double(field[index]) / q).rounded(), "trial \(trial) [\(index)]")
                }
                if bits == 10 {
                    // k = 10 is float16's own step in the top binade: those components do not move.
                    let top = pow(2, floor(log2(maxr)))
                    for index in field.indices where abs(Double(original[index])) >= top {
                        XCTAssertEqual(field[index], original[index], "top binade value moved")
                    }
                }
            }
        }
    }

    func testIntegerRoundingOfEveryHalfMatchesRoundingItsValueInFloat32() throws {
        // Every finite half, every step from 2^-30 to 2^16: the bit arithmetic equals the arithmetic on values.
        var checked = 0
        for bits in UInt16.min...UInt16.max where Float16(bitPattern: bits).isFinite {
            let value = Float(Float16(bitPattern: bits))
            for exponent in -30...16 {
                let q = Float(sign: .plus, exponent: exponent, significand: 1)
                let expected = Float16((value / q).rounded(.toNearestOrEven) * q)
                let got = FlowRounding.roundHalf(bits, stepExponent: exponent)
                if got != expected.bitPattern {
                    XCTFail("half \(String(bits, radix: 16)) (\(value)) at step 2^\(exponent): \(String(got, radix: 16)), expected \(expected)")
                    return
                }
                checked += 1
            }
        }
        XCTAssertEqual(checked, 63_488 * 47, "65,536 patterns less 2,048 infinities and NaNs, 47 steps")
    }

    func testNarrowingToHalfIsBitForBitFloat16sConversion() throws {
        // Every exponent and sign, with the 13 bits rounding drops at and around each tie, plus random floats.
        var random = SplitMix64(seed: 17)
        var checked = 0
        func check(_ bits: UInt32) -> Bool {
            let expected = Float16(Float(bitPattern: bits)).bitPattern
            let got = HalfNarrowing.narrow(bits)
            // NaNs: Swift may quiet them its own way; both must be NaN with the same sign.
            if Float(bitPattern: bits).isNaN {
                return Float16(bitPattern: got).isNaN && (got & 0x8000) == (expected & 0x8000)
            }
            return got == expected
        }
        for high in 0..<(UInt32(1) << 19) {
            for low: UInt32 in [0, 1, 0x0FFF, 0x1000, 0x1001, 0x1FFF, 0x0800, 0x17FF] {
                let bits = (high << 13) | low
                guard check(bits) else {
                    return XCTFail("\(Float(bitPattern: bits)) (0x\(String(bits, radix: 16))): 0x\(String(HalfNarrowing.narrow(bits), radix: 16)), "
                                   + "expected 0x\(String(Float16(Float(bitPattern: bits)).bitPattern, radix: 16))")
                }
                checked += 1
            }
        }
        for _ in 0..<200_000 {
            let bits = UInt32(truncatingIfNeeded: random.next())
            guard check(bits) else { return XCTFail("0x\(String(bits, radix: 16))") }
            checked += 1
        }
        XCTAssertEqual(checked, (1 << 19) * 8 + 200_000)
        XCTAssertEqual(HalfNarrowing.narrow([1, 65504, 65520, -1e-8, 6e-8]).map(\.bitPattern), [0x3C00, 0x7BFF, 0x7C00, 0x8000, 0x0001])
    }

    func testRoundingLeavesZeroAndNonFiniteFieldsAndHandlesEachFieldOnItsOwn() throws {
        // Field 0 all zero, field 1 with a NaN, field 2 large, field 3 small: each gets its own step.
        let pixels = 2
        var fields: [Float16] = [0, 0, 0, 0, /**/ 0.3, .nan, 0.1, 0.1, /**/ 100, 0.3, 0, 0, /**/ 0.01, 0.3, 0, 0]
        let original = fields
        fields.withUnsafeMutableBufferPointer { FlowRounding.round($0, pixels: pixels, bits: 10) }
        XCTAssertEqual(Array(fields[0..<4]), Array(original[0..<4]))
        XCTAssertEqual(fields[4], original[4])
        XCTAssertTrue(fields[5].isNaN)
        XCTAssertEqual(fields[9], Float16(0.3125), "maxr 100: step 2^-4")
        XCTAssertEqual(fields[13], original[13], "maxr 0.3: 0.3 is in the top binade")
        XCTAssertEqual(fields[12], Float16((0.01 * 4096).rounded() / 4096), "maxr 0.3: step 2^-12")
    }

    // MARK: - Profiles

    func testProfilesLayoutsAndAttributes() throws {
        let frames = Payload.frames(height: 224, width: 224, channels: 3), flow = Payload.flow(height: 224, width: 224)
        XCTAssertEqual(StorageProfile.default, .exact)
        XCTAssertEqual(StorageProfile.exact.layout(for: frames),
                       ShardLayout(compression: .zstd(level: 1, tuning: ZstdTuning(strategy: .fast, hashLog: 17, minMatch: 5)), rowsPerChunk: 16))
        XCTAssertEqual(StorageProfile.exact.layout(for: flow),
                       ShardLayout(compression: .zstd(level: 5, tuning: ZstdTuning(strategy: .lazy, hashLog: 16, minMatch: 4)), rowsPerChunk: 4))
        XCTAssertEqual(StorageProfile.exact.layout(for: .embeddings(dim: 512)), ShardLayout())
        XCTAssertEqual(StorageProfile.raw.layout(for: frames), ShardLayout())
        XCTAssertEqual(StorageProfile.raw.layout(for: flow), ShardLayout())
        XCTAssertEqual(StorageProfile.exact.flowRoundingBits, 10)
        XCTAssertNil(StorageProfile.raw.flowRoundingBits)
        XCTAssertEqual(StorageProfile.exact.attribute(for: flow), "exact;flow_rounding_bits=10")
        XCTAssertEqual(StorageProfile.exact.attribute(for: frames), "exact")
        XCTAssertEqual(StorageProfile.raw.attribute(for: flow), "raw")
        XCTAssertEqual(try StorageProfile(parsing: "raw"), .raw)
        assertStoreError(try StorageProfile(parsing: "tiny")) { error in
            XCTAssertEqual(error.localizedDescription, "invalid storage profile 'tiny': expected one of exact, compact, raw "
                           + "(compact optionally as compact:quality=Q,subsampling=444|420)")
        }
    }

    func testExactFramesReadBackBitForBitInChunksThatSpanItems() throws {
        let directory = try makeTemporaryDirectory()
        let payload = Payload.frames(height: 16, width: 12, channels: 3)
        let metadata = ShardMetadata(stage: "decode", fingerprint: "f", params: "{}", storage: StorageProfile.exact.attribute(for: payload))
        let writer = try ShardWriter(directory: directory, worker: "w0", metadata: metadata, payload: payload,
                                     layout: StorageProfile.exact.layout(for: payload))
        // Smooth frames (they compress) in items of 5, 0, 19, 9 and 3 rows: chunks of 16 cut across items.
        var all: [UInt8] = []
        for (item, rows) in [5, 0, 19, 9, 3].enumerated() {
            let frames = (0..<(rows * payload.rowByteCount)).map { UInt8(truncatingIfNeeded: ($0 / 7 + item * 13) % 251) }
            all += frames
            try writer.append(item: "clip-\(item)", source: "s\(item)", frameIndex: (0..<rows).map(Int32.init), frames: frames)
        }
        let reader = try ShardReader(url: try writer.commit())
        XCTAssertEqual(reader.metadata.storage, "exact")
        XCTAssertEqual(try reader.filterIDs(of: "frames"), [2, 32015, Checksums.filterID])
        let chunks = try reader.chunkLocations(of: "frames")
        XCTAssertEqual(chunks.map(\.rows), [0..<16, 16..<32, 32..<36])
        XCTAssertLessThan(chunks.map(\.storedBytes).reduce(0, +), all.count / 4, "smooth frames compress")
        XCTAssertEqual(try reader.readFrames(rows: 0..<reader.rowCount), all)
        for item in 0..<5 {
            let rows = reader.rows(ofItem: item)
            XCTAssertEqual(try reader.readFrames(rows: rows), Array(all[(rows.lowerBound * payload.rowByteCount)..<(rows.upperBound * payload.rowByteCount)]))
        }
        XCTAssertEqual(ShardCheck.read(reader.url).verdict, .intact)
    }
}
