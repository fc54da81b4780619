import Foundation

extension Data {
    /// The little-endian integer at `offset` bytes from the start of this (possibly sliced) data; the caller checks bounds.
    func littleEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    /// A zero-based copy of `count` bytes at `offset` from the start of this (possibly sliced) data.
    func copyBytes(at offset: Int, count: Int) -> Data {
        let base = startIndex + offset
        return subdata(in: base ..< base + count)
    }

    /// A view (no copy) of `count` bytes at `offset` from the start of this (possibly sliced) data.
    func view(at offset: Int, count: Int) -> Data {
        let base = startIndex + offset
        return self[base ..< base + count]
    }
}

extension URL {
    /// The path used to name this file in errors.
    var checkpointDisplayPath: String { isFileURL ? path : absoluteString }
}

/// Opens a file as memory-mapped data, turning Foundation's error into a `CheckpointError`.
func mapFile(_ url: URL) throws -> Data {
    do {
        return try Data(contentsOf: url, options: .alwaysMapped)
    } catch {
        throw CheckpointError.cannotAccess(file: url.checkpointDisplayPath, reason: error.localizedDescription)
    }
}
