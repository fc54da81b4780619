/// float16 → float32 through a table. This target is built without F16C, so each `Float(half)` is a
/// call into compiler-rt (`__extendhfsf2`); a field of 224² flow is 100,352 of them. The table gives
/// exactly the same floats (it is made of them).
enum HalfWidening {
    /// Every half bit pattern widened to float32 (256 KB, built once).
    static let table: [Float] = (0...UInt16.max).map { Float(Float16(bitPattern: $0)) }

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
