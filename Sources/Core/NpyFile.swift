import Foundation

/// NumPy's `.npy` format (version 1.0) for little-endian float32 arrays, as `numpy.save` writes it:
/// the magic, a header dict padded with spaces to a multiple of 64 bytes and ending in a newline,
/// then the values in C order. `numpy.load` reads it back exactly.
public enum NpyFile {
    /// The bytes of a `.npy` file holding `values` with `shape` (their product must be `values.count`).
    public static func float32(_ values: [Float], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        if Int(littleEndian: 1) == 1 {
            values.withUnsafeBytes { data.append(contentsOf: $0) }
        } else {
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        return data
    }
}
