import CHDF5

/// An extendible chunked dataset of shape (N, rowShape…) that grows by hyperslab writes as rows
/// arrive, so a writer never holds a shard's payload in memory. Under `HDF5.serialized`.
struct RowDataset {
    /// The open dataset; `close()` releases it.
    let id: hid_t
    /// Dataset name, for errors.
    let name: String
    /// File path, for errors.
    let path: String
    /// Shape of one row.
    let rowShape: [Int]
    /// Bytes of one row as stored.
    let rowBytes: Int
    /// Whether rows are written as whole chunks (`DirectChunks`): one row per chunk, no compression,
    /// checksums on, and rows handed over in the stored type.
    let writesChunksDirectly: Bool
    /// How Store codes the dataset's chunks itself (`ZstdChunkCoder`), when they are zstd-compressed and
    /// checksummed and rows are handed over in the stored type: the level and tuning, the element size the shuffle
    /// works on and the rows a chunk holds. Nil when HDF5's pipeline codes them.
    let zstdChunks: (level: Int, tuning: ZstdTuning?, elementSize: Int, rowsPerChunk: Int)?

    /// Creates an empty (0, rowShape…) dataset, unlimited along rows, chunked `rowsPerChunk` rows
    /// at a time, filtered by `compression` and then checksummed (Fletcher-32, see `Checksums`).
    /// Rows will be handed over in `memoryType`.
    static func create(in file: HDF5File, name: String, fileType: hid_t, memoryType: hid_t, rowShape: [Int], rowsPerChunk: Int,
                       compression: Compression) throws -> RowDataset {
        let path = file.path
        let maxDims = [vimo_h5s_unlimited()] + rowShape.map { hsize_t($0) }
        let space = try HDF5File.simpleSpace([0] + rowShape, maxDims: maxDims, path: path, name: name)
        defer { H5Sclose(space) }

        let creation = try HDF5.check(H5Pcreate(vimo_h5p_dataset_create()), path: path, "H5Pcreate(DATASET_CREATE)")
        defer { H5Pclose(creation) }
        let chunk = [hsize_t(rowsPerChunk)] + rowShape.map { hsize_t($0) }
        try HDF5.check(H5Pset_chunk(creation, Int32(chunk.count), chunk), path: path, "H5Pset_chunk(\(name))")
        try compression.apply(to: creation, path: path)
        try Checksums.apply(to: creation, path: path, dataset: name)

        // The default 1 MiB chunk cache cannot hold a partly filled 1 MiB embeddings chunk next to
        // another; evicting it would re-read (and with a filter re-compress) it on every append.
        let access = try HDF5.check(H5Pcreate(vimo_h5p_dataset_access()), path: path, "H5Pcreate(DATASET_ACCESS)")
        defer { H5Pclose(access) }
        let chunkBytes = chunk.reduce(1, *) * hsize_t(H5Tget_size(fileType))
        let cacheBytes = max(4 << 20, 4 * Int(chunkBytes))
        try HDF5.check(H5Pset_chunk_cache(access, 521, cacheBytes, 1.0), path: path, "H5Pset_chunk_cache(\(name))")

        let id = try HDF5.check(H5Dcreate2(file.id, name, fileType, space, vimo_h5p_default(), creation, access),
                                path: path, "H5Dcreate(\(name))")
        let sameType = Checksums.enabled && H5Tequal(fileType, memoryType) > 0
        let direct = rowsPerChunk == 1 && compression == .none && sameType
        var zstdChunks: (level: Int, tuning: ZstdTuning?, elementSize: Int, rowsPerChunk: Int)?
        if case .zstd(let level, let tuning) = compression, sameType { zstdChunks = (level, tuning, H5Tget_size(fileType), rowsPerChunk) }
        return RowDataset(id: id, name: name, path: path, rowShape: rowShape,
                          rowBytes: rowShape.reduce(1, *) * H5Tget_size(fileType), writesChunksDirectly: direct, zstdChunks: zstdChunks)
    }

    /// Grows the dataset to `rows` rows (extendible along its first dimension).
    func extend(to rows: Int) throws {
        let newDims = [hsize_t(rows)] + rowShape.map { hsize_t($0) }
        try HDF5.check(H5Dset_extent(id, newDims), path: path, "H5Dset_extent(\(name), \(rows) rows)")
    }

    /// Writes `count` chunks laid out by `DirectChunks.prepare` as rows `start…` (already within the extent).
    func writeChunks(_ chunks: [UInt8], count: Int, at start: Int) throws {
        try DirectChunks.write(chunks, count: count, dataset: id, name: name, path: path, start: start, rowBytes: rowBytes,
                               rank: rowShape.count + 1)
    }

    /// Writes chunk `chunk` (rows `chunk × rowsPerChunk …`, the first within the extent) as stored:
    /// `coded` from `ZstdChunkCoder.encode`, all filters applied.
    func writeCodedChunk(_ coded: UnsafeRawBufferPointer, chunk: Int, rowsPerChunk: Int) throws {
        var offset = [hsize_t](repeating: 0, count: rowShape.count + 1)
        offset[0] = hsize_t(chunk * rowsPerChunk)
        try HDF5.check(H5Dwrite_chunk(id, vimo_h5p_default(), 0, offset, coded.count, coded.baseAddress),
                       path: path, "H5Dwrite_chunk(\(name), chunk \(chunk))")
    }

    /// Grows the dataset to `start + count` rows and writes `bytes` (in `memoryType`) to the new rows.
    func append(at start: Int, count: Int, memoryType: hid_t, bytes: UnsafeRawPointer) throws {
        guard count > 0 else { return }
        try extend(to: start + count)
        try RowDataset.transfer(dataset: id, name: name, path: path, rows: start..<(start + count), rowShape: rowShape) {
            fileSpace, memorySpace in
            try HDF5.check(H5Dwrite(id, memoryType, memorySpace, fileSpace, vimo_h5p_default(), bytes),
                           path: path, "H5Dwrite(\(name), rows \(start)..<\(start + count))")
        }
    }

    /// Closes the dataset.
    func close() throws {
        try HDF5.check(H5Dclose(id), path: path, "H5Dclose(\(name))")
    }

    /// Selects `rows` of an open dataset and hands `body` the file and memory dataspaces.
    static func transfer(dataset: hid_t, name: String, path: String, rows: Range<Int>, rowShape: [Int],
                         _ body: (_ fileSpace: hid_t, _ memorySpace: hid_t) throws -> Void) throws {
        let fileSpace = try HDF5.check(H5Dget_space(dataset), path: path, "H5Dget_space(\(name))")
        defer { H5Sclose(fileSpace) }
        let start = [hsize_t(rows.lowerBound)] + rowShape.map { _ in hsize_t(0) }
        let count = [hsize_t(rows.count)] + rowShape.map { hsize_t($0) }
        try HDF5.check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, count, nil),
                       path: path, "H5Sselect_hyperslab(\(name), rows \(rows))")
        let memorySpace = try HDF5File.simpleSpace([rows.count] + rowShape, path: path, name: name)
        defer { H5Sclose(memorySpace) }
        try body(fileSpace, memorySpace)
    }
}

extension HDF5File {
    /// Reads `rows` of dataset `name` (shape (N, rowShape…)) into `buffer` as `memoryType`, taking the
    /// HDF5 lock itself. One-row checksummed chunks stored as they are read (`DirectChunks`) are read
    /// whole and their checksums compared outside the lock; a row that does not match is read again
    /// through HDF5, which then reports it. A checksum failure names the first damaged chunk's rows.
    /// `open`, when given, is the dataset already open (with its own chunk cache), used instead of opening it.
    func readRows(_ name: String, rows: Range<Int>, rowShape: [Int], memoryType: @escaping () -> hid_t,
                  into buffer: UnsafeMutableRawPointer, open: hid_t? = nil) throws {
        guard !rows.isEmpty else { return }
        func usingDataset<T>(_ body: (hid_t) throws -> T) throws -> T {
            if let open { return try body(open) }
            return try withDataset(name, body)
        }
        let (stored, rowBytes) = try HDF5.serialized { () throws -> ([UInt32]?, Int) in
            try usingDataset { dataset in
                let type = try HDF5.check(H5Dget_type(dataset), path: path, "H5Dget_type(\(name))")
                defer { H5Tclose(type) }
                let rowBytes = rowShape.reduce(1, *) * H5Tget_size(type)
                let rowsPerChunk = try HDF5File.rowsPerChunk(ofDataset: dataset, path: path, name: name)
                if H5Tequal(type, memoryType()) > 0,
                   DirectChunks.apply(filters: try HDF5File.filters(ofDataset: dataset, path: path, name: name), rowsPerChunk: rowsPerChunk),
                   let stored = DirectChunks.read(dataset: dataset, rows: rows, rowBytes: rowBytes, rank: rowShape.count + 1, into: buffer) {
                    return (stored, rowBytes)
                }
                try readThroughHDF5(dataset, name: name, rows: rows, rowShape: rowShape, memoryType: memoryType(),
                                    rowsPerChunk: rowsPerChunk ?? rows.count, into: buffer)
                return (nil, rowBytes)
            }
        }
        guard let stored else { return }
        let mismatched = DirectChunks.mismatches(buffer, stored: stored, rowBytes: rowBytes)
        guard !mismatched.isEmpty else { return }
        try HDF5.serialized {
            try usingDataset { dataset in
                for index in mismatched {
                    try readThroughHDF5(dataset, name: name, rows: (rows.lowerBound + index)..<(rows.lowerBound + index + 1), rowShape: rowShape,
                                        memoryType: memoryType(), rowsPerChunk: 1, into: buffer + index * rowBytes)
                }
            }
        }
    }

    /// One H5Dread of `rows`; on a checksum failure the rows are read again chunk by chunk so the error
    /// names the damaged chunk's rows. Under the lock.
    private func readThroughHDF5(_ dataset: hid_t, name: String, rows: Range<Int>, rowShape: [Int], memoryType: hid_t,
                                 rowsPerChunk: Int, into buffer: UnsafeMutableRawPointer) throws {
        func read(_ part: Range<Int>, into target: UnsafeMutableRawPointer) throws {
            try RowDataset.transfer(dataset: dataset, name: name, path: path, rows: part, rowShape: rowShape) { fileSpace, memorySpace in
                try checkRead(H5Dread(dataset, memoryType, memorySpace, fileSpace, vimo_h5p_default(), target), dataset: name, rows: part)
            }
        }
        do {
            try read(rows, into: buffer)
        } catch StoreError.checksumMismatch where rows.count > 1 {
            let rowBytes = rowShape.reduce(1, *) * H5Tget_size(memoryType)
            let unit = max(1, rowsPerChunk)
            var start = rows.lowerBound
            while start < rows.upperBound {
                // Chunk-aligned parts, so each read touches one chunk.
                let end = min(rows.upperBound, (start / unit + 1) * unit)
                try read(start..<end, into: buffer + (start - rows.lowerBound) * rowBytes)
                start = end
            }
        }
    }
}
