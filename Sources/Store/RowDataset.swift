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

    /// Creates an empty (0, rowShape…) dataset, unlimited along rows, chunked `rowsPerChunk` rows
    /// at a time, filtered by `compression` and then checksummed (Fletcher-32, see `Checksums`).
    static func create(in file: HDF5File, name: String, fileType: hid_t, rowShape: [Int], rowsPerChunk: Int,
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
        return RowDataset(id: id, name: name, path: path, rowShape: rowShape)
    }

    /// Grows the dataset to `start + count` rows and writes `bytes` (in `memoryType`) to the new rows.
    func append(at start: Int, count: Int, memoryType: hid_t, bytes: UnsafeRawPointer) throws {
        guard count > 0 else { return }
        let newDims = [hsize_t(start + count)] + rowShape.map { hsize_t($0) }
        try HDF5.check(H5Dset_extent(id, newDims), path: path, "H5Dset_extent(\(name), \(start + count) rows)")
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
    /// Reads `rows` of dataset `name` (shape (N, rowShape…)) into `buffer` as `memoryType`.
    func readRows(_ name: String, rows: Range<Int>, rowShape: [Int], memoryType: hid_t, into buffer: UnsafeMutableRawPointer) throws {
        guard !rows.isEmpty else { return }
        try withDataset(name) { dataset in
            try RowDataset.transfer(dataset: dataset, name: name, path: path, rows: rows, rowShape: rowShape) { fileSpace, memorySpace in
                try checkRead(H5Dread(dataset, memoryType, memorySpace, fileSpace, vimo_h5p_default(), buffer),
                              dataset: name, rows: rows)
            }
        }
    }
}
