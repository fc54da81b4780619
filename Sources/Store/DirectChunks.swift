import CHDF5

/// One-row chunks of an uncompressed, checksummed payload (frames, flow: the default storage) moved
/// whole, around HDF5's filter pipeline. A stored chunk is exactly what HDF5's Fletcher-32 filter
/// makes of a row (its bytes, then the checksum, little-endian), so HDF5 and h5py read these files as
/// any other; Store only skips the chunk cache's copies and HDF5's byte-at-a-time checksum loop
/// (`Fletcher32` computes the same value about four times faster), which is what keeps the checksums
/// within a few percent of a stage's time. Anything unexpected falls back to HDF5's own path.
enum DirectChunks {
    /// Bytes of the checksum after each row.
    static let checksumBytes = 4

    /// Whether a dataset's chunks qualify: one row each, and Fletcher-32 the only filter.
    static func apply(filters: [H5Z_filter_t], rowsPerChunk: Int?) -> Bool {
        rowsPerChunk == 1 && filters == [H5Z_filter_t(H5Z_FILTER_FLETCHER32)]
    }

    /// Bytes of rows laid out at once: about 1 MiB, so the scratch buffer stays in the CPU's cache and
    /// is allocated once per writer (a fresh buffer per item costs more in page faults than the checksums).
    static let batchBytes = 1 << 20

    /// Lays out `count` rows of `rowBytes` each from `bytes` as stored chunks, back to back (row,
    /// checksum, row, checksum, …), in `scratch` (grown when needed, reused between calls). Needs no
    /// HDF5 call, so writers run it outside the HDF5 lock.
    static func prepare(_ bytes: UnsafeRawPointer, count: Int, rowBytes: Int, into scratch: inout [UInt8]) {
        let stride = rowBytes + checksumBytes
        if scratch.count < count * stride { scratch = [UInt8](repeating: 0, count: count * stride) }
        scratch.withUnsafeMutableBytes { out in
            guard let base = out.baseAddress else { return }
            for row in 0..<count {
                let source = bytes + row * rowBytes
                let target = base + row * stride
                target.copyMemory(from: source, byteCount: rowBytes)
                let sum = Fletcher32.checksum(UnsafeRawBufferPointer(start: source, count: rowBytes)).littleEndian
                (target + rowBytes).storeBytes(of: sum, as: UInt32.self)
            }
        }
    }

    /// Writes `count` prepared chunks from `chunks` as rows `start…` of an open dataset already
    /// extended to hold them. Under the lock.
    static func write(_ chunks: [UInt8], count: Int, dataset: hid_t, name: String, path: String, start: Int, rowBytes: Int, rank: Int) throws {
        let stride = rowBytes + checksumBytes
        precondition(chunks.count >= count * stride, "\(chunks.count) prepared bytes cannot hold \(count) chunks")
        try chunks.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = [hsize_t](repeating: 0, count: rank)
            for row in 0..<count {
                offset[0] = hsize_t(start + row)
                try HDF5.check(H5Dwrite_chunk(dataset, vimo_h5p_default(), 0, offset, stride, base + row * stride),
                               path: path, "H5Dwrite_chunk(\(name), row \(start + row))")
            }
        }
    }

    /// Reads `rows` of an open qualifying dataset into `buffer` (`rows.count × rowBytes`), each chunk
    /// straight into place (its checksum lands on the next row's first bytes, which the next chunk
    /// then overwrites), and returns the stored checksums, one per row; nil when any chunk is not a
    /// plain checksummed row (another size, a skipped filter), for the caller to read through HDF5.
    /// Under the lock; the checksums are compared by `verify` outside it.
    static func read(dataset: hid_t, rows: Range<Int>, rowBytes: Int, rank: Int, into buffer: UnsafeMutableRawPointer) -> [UInt32]? {
        let stride = rowBytes + checksumBytes
        var offset = [hsize_t](repeating: 0, count: rank)
        var stored: [UInt32] = []
        stored.reserveCapacity(rows.count)
        var last = [UInt8](repeating: 0, count: stride)
        for (index, row) in rows.enumerated() {
            offset[0] = hsize_t(row)
            var size: hsize_t = 0
            guard H5Dget_chunk_storage_size(dataset, offset, &size) >= 0, size == hsize_t(stride) else {
                _ = HDF5.takeErrorMessage()
                return nil
            }
            var mask: UInt32 = 0
            let isLast = index == rows.count - 1
            let target = buffer + index * rowBytes
            let status = isLast ? last.withUnsafeMutableBytes { H5Dread_chunk(dataset, vimo_h5p_default(), offset, &mask, $0.baseAddress) }
                                : H5Dread_chunk(dataset, vimo_h5p_default(), offset, &mask, target)
            guard status >= 0, mask == 0 else {
                _ = HDF5.takeErrorMessage()
                return nil
            }
            if isLast {
                last.withUnsafeBytes { chunk in
                    if let base = chunk.baseAddress { target.copyMemory(from: base, byteCount: rowBytes) }
                    stored.append(UInt32(littleEndian: chunk.loadUnaligned(fromByteOffset: rowBytes, as: UInt32.self)))
                }
            } else {
                stored.append(UInt32(littleEndian: (target + rowBytes).loadUnaligned(as: UInt32.self)))
            }
        }
        return stored
    }

    /// The rows of `buffer` whose checksum differs from `stored` (empty when all match).
    static func mismatches(_ buffer: UnsafeRawPointer, stored: [UInt32], rowBytes: Int) -> [Int] {
        stored.indices.filter { Fletcher32.checksum(UnsafeRawBufferPointer(start: buffer + $0 * rowBytes, count: rowBytes)) != stored[$0] }
    }
}
