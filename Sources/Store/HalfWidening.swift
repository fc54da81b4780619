/// float16 → float32 through a table. This target is built without F16C, so each `Float(half)` is a
/// call into compiler-rt (`__extendhfsf2`); a field of 224² flow is 100,352 of them. The table gives
/// exactly the same floats (it is made of them).
public enum HalfWidening {
    /// Every half bit pattern widened to float32 (256 KB, built once).
    public static let table: [Float] = (0...UInt16.max).map { Float(Float16(bitPattern: $0)) }

    /// `halves` widened to float32, value for value.
    static func widen(_ halves: [Float16]) -> [Float] {
        table.withUnsafeBufferPointer { table in
            halves.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: UInt16.self) { bits in
                    [Float](unsafeUninitializedCapacity: bits.count) { out, initialised in
                        for index in bits.indices { out[index] = table[Int(bits[index])] }
                        initialised = bits.count
                    }
                }
            }
        }
    }
}

/// float32 → float16 in integer arithmetic, bit for bit what `Float16(_:)` gives (round to nearest,
/// ties to even; overflow to infinity; subnormals; NaNs keep their sign and top payload bits, quiet),
/// without the compiler-rt call (`__truncsfhf2`) a target without F16C makes of each conversion.
public enum HalfNarrowing {
    /// `values` narrowed to float16, value for value.
    public static func narrow(_ values: [Float]) -> [Float16] {
        values.withUnsafeBufferPointer { source in
            [Float16](unsafeUninitializedCapacity: source.count) { out, initialised in
                out.withMemoryRebound(to: UInt16.self) { bits in
                    for index in source.indices { bits[index] = narrow(source[index].bitPattern) }
                }
                initialised = source.count
            }
        }
    }

    /// One float32 (as bits) narrowed to float16 bits.
    @inline(__always)
    public static func narrow(_ single: UInt32) -> UInt16 {
        let sign = UInt16(truncatingIfNeeded: (single >> 16) & 0x8000)
        let magnitude = single & 0x7FFF_FFFF
        if magnitude >= 0x7F80_0000 {  // infinity, or NaN: quiet, the top 9 payload bits kept
            return magnitude == 0x7F80_0000 ? sign | 0x7C00 : sign | 0x7E00 | UInt16((magnitude & 0x003F_FFFF) >> 13)
        }
        if magnitude >= 0x477F_F000 { return sign | 0x7C00 }  // 65520 and above round to infinity
        if magnitude >= 0x3880_0000 {  // a normal half (2^-14 and above): rebias, round the 13 dropped bits
            let rounded = magnitude + 0x0FFF + ((magnitude >> 13) & 1)
            return sign | UInt16(truncatingIfNeeded: (rounded >> 13) - (112 << 10))
        }
        if magnitude <= 0x3300_0000 { return sign }  // at most 2^-25 (half the smallest subnormal): ±0
        // A subnormal half n × 2^-24: the float's significand shifted down, rounded half to even.
        let exponent = magnitude >> 23
        let significand = (magnitude & 0x007F_FFFF) | 0x0080_0000
        let shift = 126 - exponent
        let n = (significand + (1 << (shift - 1)) - 1 + ((significand >> shift) & 1)) >> shift
        return sign | UInt16(truncatingIfNeeded: n)
    }
}
