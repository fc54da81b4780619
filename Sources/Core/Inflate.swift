import Foundation

/// A raw DEFLATE (RFC 1951) decoder.
///
/// Foundation on Linux exposes no zlib. `torch.jit.save` deflates the `code/` entries whose class
/// declarations (`__parameters__`, `__buffers__`) say which tensor attributes belong in a `state_dict()`,
/// and `.xlsx` workbooks deflate every part. Tensor storages are always stored uncompressed.
public enum Inflate {
    /// Why a deflate stream could not be decoded.
    public struct Failure: Error, Equatable, Sendable {
        /// What went wrong, for the error message.
        public let reason: String
    }

    /// Decodes a complete raw deflate stream; `expectedSize` (from the zip directory) bounds the output.
    public static func decompress(_ input: Data, expectedSize: Int) throws -> Data {
        let (output, _) = try decompressPrefix(input, limit: expectedSize)
        guard output.count == expectedSize else {
            throw Failure(reason: "inflated to \(output.count) bytes, directory says \(expectedSize)")
        }
        return output
    }

    /// Decodes the raw deflate stream at the start of `input`, which may be followed by other bytes
    /// (a gzip trailer), into at most `limit` bytes; returns the output and how many input bytes the
    /// stream used (its final partial byte included).
    public static func decompressPrefix(_ input: Data, limit: Int) throws -> (output: Data, consumed: Int) {
        try input.withUnsafeBytes { raw -> (output: Data, consumed: Int) in
            var decoder = Decoder(input: raw.bindMemory(to: UInt8.self), limit: limit)
            try decoder.run()
            return (Data(decoder.output), decoder.consumed)
        }
    }

    private static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                            67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                             4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513,
                                              769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8,
                                               9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    /// The order in which a dynamic block lists the code lengths of the code-length alphabet.
    private static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// A canonical Huffman code as counts per length and symbols in code order, plus a table that decodes
    /// the codes of up to `fastBits` bits from that many stream bits at once.
    private struct Huffman {
        static let fastBits = 9
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []
        /// Indexed by the next `fastBits` stream bits: `symbol << 4 | length`, or 0 for a longer code.
        var fast = [Int32](repeating: 0, count: 1 << fastBits)

        init(lengths: [Int]) throws {
            for length in lengths { counts[length] += 1 }
            counts[0] = 0
            // Reject over-subscribed codes; incomplete ones are legal (e.g. a single distance code).
            var left = 1
            for length in 1 ..< 16 {
                left <<= 1
                left -= counts[length]
                if left < 0 { throw Failure(reason: "over-subscribed Huffman code") }
            }
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1 ..< 15 { offsets[length + 1] = offsets[length] + counts[length] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
            // Codes are assigned in order of (length, symbol); the stream holds them most significant bit
            // first, so the table index is the code with its bits reversed.
            var nextCode = [Int](repeating: 0, count: 16)
            var code = 0
            for length in 1 ..< 16 {
                code = (code + counts[length - 1]) << 1
                nextCode[length] = code
            }
            for (symbol, length) in lengths.enumerated() where length != 0 {
                let code = nextCode[length]
                nextCode[length] += 1
                guard length <= Self.fastBits else { continue }
                var reversed = 0
                for bit in 0 ..< length where code & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
                for index in stride(from: reversed, to: 1 << Self.fastBits, by: 1 << length) {
                    fast[index] = Int32(symbol << 4 | length)
                }
            }
        }
    }

    private struct Decoder {
        let input: UnsafeBufferPointer<UInt8>
        let limit: Int
        var position = 0
        var bitBuffer = 0
        var bitCount = 0
        var output: [UInt8] = []

        init(input: UnsafeBufferPointer<UInt8>, limit: Int) {
            self.input = input
            self.limit = limit
            // Deflate expands at most 1032:1, so a corrupt size field cannot reserve more than the input allows.
            output.reserveCapacity(min(limit, input.count * 1032))
        }

        mutating func bits(_ count: Int) throws -> Int {
            while bitCount < count {
                guard position < input.count else { throw Failure(reason: "stream ends early") }
                bitBuffer |= Int(input[position]) << bitCount
                position += 1
                bitCount += 8
            }
            let value = bitBuffer & ((1 << count) - 1)
            bitBuffer >>= count
            bitCount -= count
            return value
        }

        /// How many input bytes the decoder has used: bytes loaded ahead into the bit buffer are not counted.
        var consumed: Int { position - bitCount / 8 }

        mutating func decode(_ code: Huffman) throws -> Int {
            // Short codes come from the table: load whole bytes ahead (up to the end of the input) and look up.
            while bitCount < Huffman.fastBits, position < input.count {
                bitBuffer |= Int(input[position]) << bitCount
                position += 1
                bitCount += 8
            }
            let entry = Int(code.fast[bitBuffer & (1 << Huffman.fastBits - 1)])
            let length = entry & 15
            if length != 0, length <= bitCount {
                bitBuffer >>= length
                bitCount -= length
                return entry >> 4
            }
            // Longer codes are read one bit at a time, most significant bit first.
            var value = 0, first = 0, index = 0
            for length in 1 ..< 16 {
                value |= try bits(1)
                let count = code.counts[length]
                if value - first < count { return code.symbols[index + value - first] }
                index += count
                first = (first + count) << 1
                value <<= 1
            }
            throw Failure(reason: "invalid Huffman code")
        }

        mutating func run() throws {
            var last = false
            while !last {
                last = try bits(1) == 1
                switch try bits(2) {
                case 0: try storedBlock()
                case 1: try fixedBlock()
                case 2: try dynamicBlock()
                default: throw Failure(reason: "reserved block type")
                }
            }
        }

        mutating func storedBlock() throws {
            // Skip to the byte boundary, giving back the whole bytes loaded ahead.
            position = consumed
            bitBuffer = 0
            bitCount = 0
            guard position + 4 <= input.count else { throw Failure(reason: "stream ends early") }
            let length = Int(input[position]) | Int(input[position + 1]) << 8
            let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
            position += 4
            guard length == ~complement & 0xFFFF else { throw Failure(reason: "stored block length check failed") }
            guard position + length <= input.count else { throw Failure(reason: "stream ends early") }
            guard output.count + length <= limit else { throw Failure(reason: "inflates past its declared size") }
            output.append(contentsOf: input[position ..< position + length])
            position += length
        }

        mutating func fixedBlock() throws {
            var lengths = [Int](repeating: 8, count: 288)
            for symbol in 144 ..< 256 { lengths[symbol] = 9 }
            for symbol in 256 ..< 280 { lengths[symbol] = 7 }
            try codes(literals: Huffman(lengths: lengths), distances: Huffman(lengths: [Int](repeating: 5, count: 30)))
        }

        mutating func dynamicBlock() throws {
            let literalCount = try bits(5) + 257
            let distanceCount = try bits(5) + 1
            let lengthCodeCount = try bits(4) + 4
            guard literalCount <= 286, distanceCount <= 30 else { throw Failure(reason: "bad dynamic block counts") }
            var lengthLengths = [Int](repeating: 0, count: 19)
            for index in 0 ..< lengthCodeCount { lengthLengths[Inflate.codeLengthOrder[index]] = try bits(3) }
            let lengthCode = try Huffman(lengths: lengthLengths)
            var lengths: [Int] = []
            lengths.reserveCapacity(literalCount + distanceCount)
            while lengths.count < literalCount + distanceCount {
                let symbol = try decode(lengthCode)
                switch symbol {
                case 0 ..< 16:
                    lengths.append(symbol)
                case 16:
                    guard let previous = lengths.last else { throw Failure(reason: "repeat with no previous length") }
                    lengths.append(contentsOf: repeatElement(previous, count: 3 + (try bits(2))))
                case 17:
                    lengths.append(contentsOf: repeatElement(0, count: 3 + (try bits(3))))
                default:
                    lengths.append(contentsOf: repeatElement(0, count: 11 + (try bits(7))))
                }
            }
            guard lengths.count == literalCount + distanceCount else { throw Failure(reason: "code lengths overrun") }
            guard lengths[256] != 0 else { throw Failure(reason: "no end-of-block code") }
            try codes(literals: Huffman(lengths: Array(lengths[0 ..< literalCount])),
                      distances: Huffman(lengths: Array(lengths[literalCount...])))
        }

        mutating func codes(literals: Huffman, distances: Huffman) throws {
            while true {
                let symbol = try decode(literals)
                if symbol < 256 {
                    guard output.count < limit else { throw Failure(reason: "inflates past its declared size") }
                    output.append(UInt8(symbol))
                    continue
                }
                if symbol == 256 { return }
                let lengthIndex = symbol - 257
                guard lengthIndex < 29 else { throw Failure(reason: "bad length symbol") }
                let length = Inflate.lengthBase[lengthIndex] + (try bits(Inflate.lengthExtra[lengthIndex]))
                let distanceSymbol = try decode(distances)
                guard distanceSymbol < 30 else { throw Failure(reason: "bad distance symbol") }
                let distance = Inflate.distanceBase[distanceSymbol] + (try bits(Inflate.distanceExtra[distanceSymbol]))
                guard distance <= output.count else { throw Failure(reason: "distance reaches before the start") }
                guard output.count + length <= limit else { throw Failure(reason: "inflates past its declared size") }
                // Copies may overlap their own output (run-length encoding), so go byte by byte.
                let start = output.count - distance
                for index in 0 ..< length { output.append(output[start + index]) }
            }
        }
    }
}
