import CHDF5
import CZstd

/// The Zstandard HDF5 filter (registered id 32015), built into Store over Debian's libzstd so vimo
/// writes and reads it without any plugin path.
///
/// The chunk format is the one of HDF5Plugin-Zstandard, which `hdf5plugin` (`import hdf5plugin` in
/// Python) and h5py read: each chunk is one zstd frame whose header records the uncompressed size;
/// the first client value is the compression level (the only one `hdf5plugin` reads); vimo adds
/// three more, its `ZstdTuning` (strategy, hash log, min match; 0 for the level's own). Registering
/// it takes precedence over a plugin of the same id found on `HDF5_PLUGIN_PATH`; the two read each
/// other's chunks. `exact` and `compact` payloads bypass this callback (`ZstdChunkCoder` codes the
/// same bytes outside the HDF5 lock); it serves every other zstd dataset and HDF5's own reads.
enum ZstdFilter {
    /// HDF5's registered id of the Zstandard filter.
    static let id: H5Z_filter_t = 32015

    /// The level used when a dataset's pipeline carries no client value (zstd's own default, as `"zstd"` means).
    static let defaultLevel = Int32(Compression.defaultZstdLevel)

    /// The filter's name as `h5dump` and HDF5's errors show it; allocated once, never freed.
    private static let name: UnsafeMutablePointer<CChar> = {
        let text = Array("Zstandard compression (vimo built-in, HDF5 filter 32015)".utf8CString)
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: text.count)
        pointer.initialize(from: text, count: text.count)
        return pointer
    }()

    /// Registers the filter with the HDF5 library. Under the lock, once, before files are used.
    static func register() -> herr_t {
        var filterClass = H5Z_class2_t(
            version: Int32(H5Z_CLASS_T_VERS), id: id, encoder_present: 1, decoder_present: 1,
            name: UnsafePointer(name), can_apply: nil, set_local: nil, filter: zstdChunk)
        return H5Zregister(&filterClass)
    }
}

/// HDF5's filter callback: compresses `byteCount` bytes of `*buffer` into one zstd frame, or with
/// `H5Z_FLAG_REVERSE` decompresses one; replaces `*buffer` (allocated by HDF5's allocator, as the
/// library frees it) and returns the new length, or 0 on failure, which HDF5 reports as a filter error.
private func zstdChunk(flags: UInt32, valueCount: Int, values: UnsafePointer<UInt32>?, byteCount: Int,
                       bufferSize: UnsafeMutablePointer<Int>?, buffer: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int {
    guard let buffer, let bufferSize, let input = buffer.pointee else { return 0 }
    if flags & UInt32(H5Z_FLAG_REVERSE) != 0 {
        let size = ZSTD_getFrameContentSize(input, byteCount)
        guard size != vimo_zstd_contentsize_error(), size != vimo_zstd_contentsize_unknown(), size < UInt64(Int.max) else { return 0 }
        let outputSize = Int(size)
        guard let output = H5allocate_memory(max(1, outputSize), false) else { return 0 }
        let written = ZSTD_decompress(output, outputSize, input, byteCount)
        guard ZSTD_isError(written) == 0, written == outputSize else {
            H5free_memory(output)
            return 0
        }
        H5free_memory(input)
        buffer.pointee = output
        bufferSize.pointee = outputSize
        return written
    }
    var clientValues = [UInt32](repeating: 0, count: 4)
    for index in 0..<min(valueCount, 4) { clientValues[index] = values?[index] ?? 0 }
    let level = valueCount > 0 ? Int32(bitPattern: clientValues[0]) : ZstdFilter.defaultLevel
    guard let context = ZSTD_createCCtx() else { return 0 }
    defer { ZSTD_freeCCtx(context) }
    guard ZstdFilter.configure(context, level: level, tuning: ZstdTuning(clientValues: clientValues)) else { return 0 }
    let bound = ZSTD_compressBound(byteCount)
    guard let output = H5allocate_memory(bound, false) else { return 0 }
    let written = ZSTD_compress2(context, output, bound, input, byteCount)
    guard ZSTD_isError(written) == 0 else {
        H5free_memory(output)
        return 0
    }
    H5free_memory(input)
    buffer.pointee = output
    bufferSize.pointee = bound
    return written
}

extension ZstdFilter {
    /// Sets a compression context to `level` with `tuning`'s parameters over the level's; false when
    /// zstd refuses one (out of its range).
    static func configure(_ context: OpaquePointer, level: Int32, tuning: ZstdTuning?) -> Bool {
        var settings: [(ZSTD_cParameter, Int32)] = [(ZSTD_c_compressionLevel, level)]
        if let strategy = tuning?.strategy { settings.append((ZSTD_c_strategy, Int32(strategy.rawValue))) }
        if let hashLog = tuning?.hashLog { settings.append((ZSTD_c_hashLog, Int32(hashLog))) }
        if let minMatch = tuning?.minMatch { settings.append((ZSTD_c_minMatch, Int32(minMatch))) }
        return settings.allSatisfy { ZSTD_isError(ZSTD_CCtx_setParameter(context, $0.0, $0.1)) == 0 }
    }
}
