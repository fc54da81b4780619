/// GPT-2/CLIP's reversible map from the 256 byte values to printable Unicode characters.
///
/// Byte-level BPE works on characters, so every byte gets a visible stand-in: bytes 33–126, 161–172 and
/// 174–255 stand for themselves, the other 68 (controls, space, DEL, NBSP, soft hyphen, …) take
/// U+0100 + n in byte order. The order of `bytes` is also the order of the first 256 vocabulary ids.
enum ByteAlphabet {
    /// The byte values in vocabulary order: the printable ones first, then the 68 remapped ones.
    static let bytes: [UInt8] = {
        let printable = Array(33 ... 126) + Array(161 ... 172) + Array(174 ... 255)
        let remapped = (0 ... 255).filter { !printable.contains($0) }
        return (printable + remapped).map { UInt8($0) }
    }()

    /// The stand-in character of each byte value, indexed by byte.
    static let characters: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 0x100
        for byte in 0 ... 255 {
            let standsForItself = (33 ... 126).contains(byte) || (161 ... 172).contains(byte) || (174 ... 255).contains(byte)
            if standsForItself {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                // Every value below U+0144 is a valid scalar.
                table[byte] = Unicode.Scalar(next) ?? "\0"
                next += 1
            }
        }
        return table
    }()

    /// The vocabulary id (0 ..< 256) of each byte value's character, indexed by byte.
    static let firstID: [Int32] = {
        var table = [Int32](repeating: 0, count: 256)
        for (index, byte) in bytes.enumerated() { table[Int(byte)] = Int32(index) }
        return table
    }()

    /// The byte each stand-in character represents.
    static let byteOfCharacter: [Unicode.Scalar: UInt8] = {
        var table: [Unicode.Scalar: UInt8] = [:]
        for byte in 0 ... 255 { table[characters[byte]] = UInt8(byte) }
        return table
    }()

    /// The stand-in string of some bytes (how a token appears in the vocabulary files).
    static func string<S: Sequence>(of bytes: S) -> String where S.Element == UInt8 {
        var text = String.UnicodeScalarView()
        for byte in bytes { text.append(characters[Int(byte)]) }
        return String(text)
    }
}
