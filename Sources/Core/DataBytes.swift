import Foundation

extension Data {
    /// The little-endian integer at `offset` bytes from the start of this (possibly sliced) data; the caller checks bounds.
    public func littleEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    /// A zero-based copy of `count` bytes at `offset` from the start of this (possibly sliced) data.
    public func copyBytes(at offset: Int, count: Int) -> Data {
        let base = startIndex + offset
        return subdata(in: base ..< base + count)
    }

    /// A view (no copy) of `count` bytes at `offset` from the start of this (possibly sliced) data.
    public func view(at offset: Int, count: Int) -> Data {
        let base = startIndex + offset
        return self[base ..< base + count]
    }
}
