import CHDF5
import CZstd
import Foundation

/// Multi-row zstd chunks (the `exact` profile's payloads: 16 frames, 4 flow fields a chunk) coded by
/// Store itself, outside HDF5's filter pipeline and so outside the HDF5 lock: writers on several
/// threads (vimo-decode's workers, vimo-flow's store thread beside its frame reads) compress at once
/// instead of in turn, and a chunk's context is reused instead of allocated per chunk.
///
/// A stored chunk is exactly what the pipeline shuffle → zstd (filter 32015) → Fletcher-32 makes of
/// it: the chunk's bytes shuffled by element (HDF5's shuffle; nothing to do for one-byte elements),
/// one zstd frame with its content size (what `ZstdFilter` and `hdf5plugin` decode), then HDF5's
/// Fletcher-32 of those bytes, little-endian. The dataset declares that pipeline, so HDF5, h5py with
/// `hdf5plugin` and `ShardCheck` read these chunks as any other; rows past the end of the last chunk
/// are zeros, as HDF5's fill value would be.
final class ZstdChunkCoder {
    /// Bytes of the checksum after the zstd frame.
    static let checksumBytes = 4

    /// The zstd level and the parameters set over it.
    let level: Int32
    let tuning: ZstdTuning?
    /// Bytes per element the shuffle works on (1: no shuffle).
    let elementSize: Int
    private let context: OpaquePointer
    private var shuffled: [UInt8] = []

    /// Nil when libzstd cannot allocate a context or refuses a parameter (callers then write through
    /// HDF5's pipeline, which reports it).
    init?(level: Int, tuning: ZstdTuning?, elementSize: Int) {
        guard let context = ZSTD_createCCtx() else { return nil }
        guard ZstdFilter.configure(context, level: Int32(level), tuning: tuning) else {
            ZSTD_freeCCtx(context)
            return nil
        }
        self.context = context
        self.level = Int32(level)
        self.tuning = tuning
        self.elementSize = max(1, elementSize)
    }

    deinit { ZSTD_freeCCtx(context) }

    /// Codes `chunk` as it is stored (shuffled, compressed, checksummed) into the start of `output` (grown
    /// when too small, reused otherwise) and returns the stored length. Needs no HDF5 call. Throws
    /// `codecFailure` naming `path` when zstd fails (it does not on valid input).
    func encode(_ chunk: UnsafeRawBufferPointer, into output: inout [UInt8], path: String) throws -> Int {
        guard let base = chunk.baseAddress else { return 0 }
        let bound = ZSTD_compressBound(chunk.count)
        if output.count < bound + Self.checksumBytes { output = [UInt8](repeating: 0, count: bound + Self.checksumBytes) }
        func compress(_ source: UnsafeRawPointer) -> Int {
            output.withUnsafeMutableBytes { ZSTD_compress2(context, $0.baseAddress, bound, source, chunk.count) }
        }
        let written: Int
        if elementSize > 1 {
            if shuffled.count < chunk.count { shuffled = [UInt8](repeating: 0, count: chunk.count) }
            written = shuffled.withUnsafeMutableBytes { plane in
                Self.shuffle(base, count: chunk.count, elementSize: elementSize, into: plane.baseAddress!)
                return compress(plane.baseAddress!)
            }
        } else {
            written = compress(base)
        }
        guard ZSTD_isError(written) == 0 else {
            throw StoreError.codecFailure(path: path, operation: "libzstd ZSTD_compress2 (\(Compression.zstd(level: Int(level), tuning: tuning)))",
                                          detail: String(cString: ZSTD_getErrorName(written)))
        }
        output.withUnsafeMutableBytes { out in
            let sum = Fletcher32.checksum(UnsafeRawBufferPointer(start: out.baseAddress, count: written)).littleEndian
            (out.baseAddress! + written).storeBytes(of: sum, as: UInt32.self)
        }
        return written + Self.checksumBytes
    }

    /// Decodes a stored chunk (`stored`: the zstd frame, then its checksum) into `target`, which holds
    /// `byteCount` bytes; `scratch` is reused for the unshuffle. False when the checksum does not match
    /// or the frame is not one of `byteCount` bytes. Needs no HDF5 call.
    static func decode(_ stored: UnsafeRawBufferPointer, elementSize: Int, into target: UnsafeMutableRawPointer, byteCount: Int,
                       scratch: inout [UInt8]) -> Bool {
        guard let base = stored.baseAddress, stored.count > checksumBytes else { return false }
        let frameBytes = stored.count - checksumBytes
        let sum = UInt32(littleEndian: stored.loadUnaligned(fromByteOffset: frameBytes, as: UInt32.self))
        guard Fletcher32.checksum(UnsafeRawBufferPointer(start: base, count: frameBytes)) == sum,
              ZSTD_getFrameContentSize(base, frameBytes) == UInt64(byteCount) else { return false }
        if elementSize <= 1 {
            let read = ZSTD_decompress(target, byteCount, base, frameBytes)
            return ZSTD_isError(read) == 0 && read == byteCount
        }
        if scratch.count < byteCount { scratch = [UInt8](repeating: 0, count: byteCount) }
        return scratch.withUnsafeMutableBytes { plane in
            let read = ZSTD_decompress(plane.baseAddress, byteCount, base, frameBytes)
            guard ZSTD_isError(read) == 0, read == byteCount else { return false }
            unshuffle(plane.baseAddress!, count: byteCount, elementSize: elementSize, into: target)
            return true
        }
    }

    /// HDF5's shuffle: byte j of every element, for j = 0, 1, …, one plane after another (`count` is a
    /// multiple of `elementSize` here; any tail stays in place, as HDF5 leaves it).
    static func shuffle(_ source: UnsafeRawPointer, count: Int, elementSize: Int, into target: UnsafeMutableRawPointer) {
        let elements = count / elementSize
        let from = source.assumingMemoryBound(to: UInt8.self), to = target.assumingMemoryBound(to: UInt8.self)
        if elementSize == 2 {
            for index in 0..<elements {
                to[index] = from[2 * index]
                to[elements + index] = from[2 * index + 1]
            }
        } else {
            for byte in 0..<elementSize {
                for index in 0..<elements { to[byte * elements + index] = from[index * elementSize + byte] }
            }
        }
        let tail = elements * elementSize
        if tail < count { (target + tail).copyMemory(from: source + tail, byteCount: count - tail) }
    }
    /// The inverse of `shuffle`.
    static func unshuffle(_ source: UnsafeRawPointer, count: Int, elementSize: Int, into target: UnsafeMutableRawPointer) {
        let elements = count / elementSize
        let from = source.assumingMemoryBound(to: UInt8.self), to = target.assumingMemoryBound(to: UInt8.self)
        if elementSize == 2 {
            for index in 0..<elements {
                to[2 * index] = from[index]
                to[2 * index + 1] = from[elements + index]
            }
        } else {
            for byte in 0..<elementSize {
                for index in 0..<elements { to[index * elementSize + byte] = from[byte * elements + index] }
            }
        }
        let tail = elements * elementSize
        if tail < count { (target + tail).copyMemory(from: source + tail, byteCount: count - tail) }
    }
}

/// A writer's chunk being filled: rows are copied in as they arrive, and each full chunk is handed to
/// `flush` coded. One per writer, used by its thread only.
///
/// Chunks are only written whole, so the last, partly filled one stays here until `finish` (at
/// commit: nothing is durable before that anyway). To let a cancelled item go back to the rows of the
/// items before it, the committed rows of the chunk that straddles the boundary are kept aside when
/// that chunk is written while an item is still open.
final class ZstdChunkBuffer {
    let coder: ZstdChunkCoder
    let rowBytes: Int
    let rowsPerChunk: Int
    /// The chunk being filled (chunk k holds rows k·rowsPerChunk …).
    private(set) var chunkIndex = 0
    /// Its rows filled so far.
    private(set) var bufferedRows = 0
    private var buffer: [UInt8]
    private var coded: [UInt8] = []
    /// The committed rows of chunk `chunk`, kept when it was written during an open item.
    private var kept: (chunk: Int, bytes: [UInt8])?

    /// The file, for errors.
    let path: String

    init(coder: ZstdChunkCoder, rowBytes: Int, rowsPerChunk: Int, path: String) {
        self.coder = coder
        self.path = path
        self.rowBytes = rowBytes
        self.rowsPerChunk = rowsPerChunk
        buffer = [UInt8](repeating: 0, count: rowBytes * rowsPerChunk)
    }

    /// Copies `count` rows from `bytes` in; each chunk filled is coded and passed to `flush(chunk index,
    /// stored bytes)`. `committedRows`: rows of finished items (the rest belong to the open item).
    func append(_ bytes: UnsafeRawPointer, count: Int, committedRows: Int,
                flush: (Int, UnsafeRawBufferPointer) throws -> Void) throws {
        var done = 0
        while done < count {
            let take = min(rowsPerChunk - bufferedRows, count - done)
            buffer.withUnsafeMutableBytes { out in
                (out.baseAddress! + bufferedRows * rowBytes).copyMemory(from: bytes + done * rowBytes, byteCount: take * rowBytes)
            }
            bufferedRows += take
            done += take
            guard bufferedRows == rowsPerChunk else { continue }
            let committedHere = committedRows - chunkIndex * rowsPerChunk
            if committedHere > 0 && committedHere < rowsPerChunk {
                kept = (chunkIndex, Array(buffer.prefix(committedHere * rowBytes)))
            }
            try code(flush)
            chunkIndex += 1
            bufferedRows = 0
        }
    }

    /// Goes back to the state after `committedRows` rows (a cancelled item's rows dropped).
    func rollBack(to committedRows: Int) {
        let chunk = committedRows / rowsPerChunk, rows = committedRows % rowsPerChunk
        if chunk != chunkIndex, rows > 0 {
            precondition(kept?.chunk == chunk, "the committed rows of chunk \(chunk) were not kept")
            if let kept {
                buffer.withUnsafeMutableBytes { out in
                    kept.bytes.withUnsafeBytes { out.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                }
            }
        }
        chunkIndex = chunk
        bufferedRows = rows
        kept = nil
    }

    /// Codes the partly filled last chunk (its unused rows zeroed) and passes it to `flush`; nothing when empty.
    func finish(flush: (Int, UnsafeRawBufferPointer) throws -> Void) throws {
        guard bufferedRows > 0 else { return }
        buffer.withUnsafeMutableBytes { out in
            let used = bufferedRows * rowBytes
            (out.baseAddress! + used).initializeMemory(as: UInt8.self, repeating: 0, count: out.count - used)
        }
        try code(flush)
        bufferedRows = 0
        chunkIndex += 1
    }

    /// Codes the whole buffer and hands chunk `chunkIndex` to `flush`.
    private func code(_ flush: (Int, UnsafeRawBufferPointer) throws -> Void) throws {
        let length = try buffer.withUnsafeBytes { try coder.encode($0, into: &coded, path: path) }
        try coded.withUnsafeBytes { try flush(chunkIndex, UnsafeRawBufferPointer(rebasing: $0.prefix(length))) }
    }
}

/// Reads a payload dataset of zstd chunks (`ZstdChunkCoder`'s, or any shuffle → zstd → Fletcher-32
/// chunks, h5py's with `hdf5plugin` included) around HDF5's pipeline: the stored chunks are fetched under
/// the HDF5 lock, then checked and decompressed outside it, several at once, straight into the caller's
/// buffer, so threads reading other shards (or this one) go on meanwhile. The last chunk a read ends
/// inside is kept decoded, so reading a chunk's rows one at a time decompresses it once.
///
/// A chunk that is not such a chunk (another size, a filter skipped) or fails its checksum makes `read`
/// return false, and the caller reads those rows through HDF5, which names the damaged rows.
final class ZstdChunkReader: @unchecked Sendable {
    let rowsPerChunk: Int
    let rowBytes: Int
    let elementSize: Int
    /// Rows in the dataset.
    let rowCount: Int
    private let rank: Int
    private let lock = NSLock()
    private var cached: (chunk: Int, bytes: [UInt8])?

    /// The reader for dataset `dataset` (open, owned by the caller), or nil when its filters are not
    /// shuffle, zstd and Fletcher-32 in that order or its stored type is not `memoryType` (the type rows
    /// are read in, so no conversion is skipped). Under the HDF5 lock.
    static func make(dataset: hid_t, path: String, name: String, memoryType: hid_t) -> ZstdChunkReader? {
        guard let filters = try? HDF5File.filters(ofDataset: dataset, path: path, name: name),
              filters == [H5Z_filter_t(H5Z_FILTER_SHUFFLE), ZstdFilter.id, H5Z_filter_t(H5Z_FILTER_FLETCHER32)],
              let rowsPerChunk = try? HDF5File.rowsPerChunk(ofDataset: dataset, path: path, name: name),
              let dims = try? HDF5File.shape(ofDataset: dataset, path: path, name: name), !dims.isEmpty else {
            _ = HDF5.takeErrorMessage()
            return nil
        }
        let type = H5Dget_type(dataset)
        guard type >= 0 else {
            _ = HDF5.takeErrorMessage()
            return nil
        }
        defer { H5Tclose(type) }
        guard H5Tequal(type, memoryType) > 0 else { return nil }
        let elementSize = H5Tget_size(type)
        return ZstdChunkReader(rowsPerChunk: rowsPerChunk, rowBytes: dims.dropFirst().reduce(1, *) * elementSize, elementSize: elementSize,
                               rowCount: dims[0], rank: dims.count)
    }

    private init(rowsPerChunk: Int, rowBytes: Int, elementSize: Int, rowCount: Int, rank: Int) {
        (self.rowsPerChunk, self.rowBytes, self.elementSize, self.rowCount, self.rank) = (rowsPerChunk, rowBytes, elementSize, rowCount, rank)
    }

    /// Reads `rows` (within the dataset) of `dataset` into `buffer` (`rows.count × rowBytes`); false when
    /// a chunk has to be read through HDF5 instead (nothing is then known about `buffer`'s contents).
    func read(dataset: hid_t, rows: Range<Int>, into buffer: UnsafeMutableRawPointer) -> Bool {
        guard !rows.isEmpty else { return true }
        let chunkBytes = rowsPerChunk * rowBytes
        let chunks = Array((rows.lowerBound / rowsPerChunk)...((rows.upperBound - 1) / rowsPerChunk))
        let last = chunks[chunks.count - 1]
        /// Rows of chunk `k` the read wants, as positions in the chunk and in `buffer`.
        func span(_ k: Int) -> (inChunk: Range<Int>, inBuffer: Int) {
            let first = max(rows.lowerBound, k * rowsPerChunk), end = min(rows.upperBound, (k + 1) * rowsPerChunk)
            return ((first - k * rowsPerChunk)..<(end - k * rowsPerChunk), first - rows.lowerBound)
        }
        func copy(_ k: Int, from decoded: UnsafeRawPointer) {
            let (inChunk, inBuffer) = span(k)
            (buffer + inBuffer * rowBytes).copyMemory(from: decoded + inChunk.lowerBound * rowBytes, byteCount: inChunk.count * rowBytes)
        }
        if chunks.count == 1, let hit = (lock.withLock { cached.flatMap { $0.chunk == last ? $0.bytes : nil } }) {
            hit.withUnsafeBytes { copy(last, from: $0.baseAddress!) }
            return true
        }
        // The stored bytes, under the lock.
        let stored: [[UInt8]]? = HDF5.serialized {
            var all: [[UInt8]] = []
            var offset = [hsize_t](repeating: 0, count: rank)
            for k in chunks {
                offset[0] = hsize_t(k * rowsPerChunk)
                var size: hsize_t = 0, mask: UInt32 = 0
                guard H5Dget_chunk_storage_size(dataset, offset, &size) >= 0, size > 0 else {
                    _ = HDF5.takeErrorMessage()
                    return nil
                }
                var bytes = [UInt8](repeating: 0, count: Int(size))
                guard H5Dread_chunk(dataset, vimo_h5p_default(), offset, &mask, &bytes) >= 0, mask == 0 else {
                    _ = HDF5.takeErrorMessage()
                    return nil
                }
                all.append(bytes)
            }
            return all
        }
        guard let stored else { return false }
        // Chunks the read covers whole go straight into `buffer`; the first and last may be partial and are
        // decoded aside (the last then kept for the next read).
        let whole = chunks.map { k in span(k).inChunk.count == rowsPerChunk && (k + 1) * rowsPerChunk <= rowCount }
        let aside = UnsafeMutableRawPointer.allocate(byteCount: 2 * chunkBytes, alignment: 16)
        defer { aside.deallocate() }
        let decoded = UnsafeMutableBufferPointer<Bool>.allocate(capacity: chunks.count)
        defer { decoded.deallocate() }
        func decode(_ index: Int) {
            let k = chunks[index]
            let target = whole[index] ? buffer + span(k).inBuffer * rowBytes : aside + (index == chunks.count - 1 ? chunkBytes : 0)
            var scratch: [UInt8] = []
            let ok = stored[index].withUnsafeBytes {
                ZstdChunkCoder.decode($0, elementSize: elementSize, into: target, byteCount: chunkBytes, scratch: &scratch)
            }
            if ok && !whole[index] { copy(k, from: target) }
            decoded[index] = ok  // each task its own slot
        }
        if chunks.count == 1 { decode(0) } else { DispatchQueue.concurrentPerform(iterations: chunks.count, execute: decode) }
        guard decoded.allSatisfy({ $0 }) else { return false }
        if !whole[chunks.count - 1] {
            let kept = [UInt8](UnsafeRawBufferPointer(start: aside + chunkBytes, count: chunkBytes))
            lock.withLock { cached = (last, kept) }
        }
        return true
    }
}
