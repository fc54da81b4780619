import Foundation
import Store

/// The check every item stage makes on its output rows before they are committed: a float payload
/// holding NaN or ±∞ fails the item (its rows are not written), so damage upstream or in the weights
/// stops at the item it reached instead of spreading through the cache.
public enum FiniteRows {
    /// Throws `NonFiniteRows` when `rows` (in `payload`'s on-disk dtype: float16 flow, float32
    /// embeddings) hold a NaN or an infinity; uint8 frames are always finite.
    public static func check(_ rows: [UInt8], payload: Payload) throws {
        let counts: (nan: Int, infinite: Int, total: Int)
        switch payload {
        case .flow: counts = rows.withUnsafeBytes { count($0, as: UInt16.self, exponent: 0x7C00, mantissa: 0x03FF) }
        case .embeddings, .scores: counts = rows.withUnsafeBytes { count($0, as: UInt32.self, exponent: 0x7F80_0000, mantissa: 0x007F_FFFF) }
        case .frames, .none: return
        }
        if counts.nan > 0 || counts.infinite > 0 {
            throw NonFiniteRows(nan: counts.nan, infinite: counts.infinite, values: counts.total)
        }
    }

    /// NaN and ±∞ among little-endian IEEE values: all exponent bits set, with (NaN) or without (∞) a mantissa.
    /// The bits are compared, not the values, so no float conversion is needed for half precision.
    private static func count<Bits: FixedWidthInteger & UnsignedInteger>(
        _ raw: UnsafeRawBufferPointer, as: Bits.Type, exponent: Bits, mantissa: Bits
    ) -> (nan: Int, infinite: Int, total: Int) {
        let total = raw.count / MemoryLayout<Bits>.size
        var nan = 0, infinite = 0
        for index in 0..<total {
            let bits = Bits(littleEndian: raw.loadUnaligned(fromByteOffset: index * MemoryLayout<Bits>.size, as: Bits.self))
            guard bits & exponent == exponent else { continue }
            if bits & mantissa == 0 { infinite += 1 } else { nan += 1 }
        }
        return (nan, infinite, total)
    }
}

/// An item's output holds values that are not numbers.
public struct NonFiniteRows: Error, LocalizedError, Equatable {
    /// NaN values.
    public var nan: Int
    /// ±∞ values.
    public var infinite: Int
    /// Values in the item's output.
    public var values: Int

    /// Counts from their parts.
    public init(nan: Int, infinite: Int, values: Int) {
        self.nan = nan
        self.infinite = infinite
        self.values = values
    }

    /// `non-finite values in the output: 3 NaN, 0 Inf of 5,120; …`
    public var errorDescription: String? {
        "non-finite values in the output: \(nan) NaN, \(infinite) Inf of \(Self.grouped(values)); "
            + "upstream rows or weights may be damaged (its rows are not committed)"
    }

    /// 5120 → "5,120", independent of the locale.
    public static func grouped(_ value: Int) -> String {
        var digits = String(value.magnitude)
        var groups: [Substring] = []
        while digits.count > 3 {
            groups.insert(digits.suffix(3), at: 0)
            digits.removeLast(3)
        }
        groups.insert(Substring(digits), at: 0)
        return (value < 0 ? "-" : "") + groups.joined(separator: ",")
    }
}
