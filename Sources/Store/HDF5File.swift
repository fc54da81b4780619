import CHDF5
import Foundation

/// An open HDF5 file plus its path for error messages. A plain value: whoever opens it closes it.
/// Every method must be called under `HDF5.serialized`.
struct HDF5File {
    /// The file id.
    let id: hid_t
    /// The file's path, named in every error.
    let path: String

    /// Creates `path`, failing if it already exists (two writers can never share a file).
    static func create(path: String) throws -> HDF5File {
        let access = try strongCloseAccessList(path: path)
        defer { H5Pclose(access) }
        let id = try HDF5.check(H5Fcreate(path, vimo_h5f_acc_excl(), vimo_h5p_default(), access), path: path, "H5Fcreate")
        return HDF5File(id: id, path: path)
    }

    /// Opens `path` read-only.
    static func openReadOnly(path: String) throws -> HDF5File {
        let access = try strongCloseAccessList(path: path)
        defer { H5Pclose(access) }
        let id = try HDF5.check(H5Fopen(path, vimo_h5f_acc_rdonly(), access), path: path, "H5Fopen")
        return HDF5File(id: id, path: path)
    }

    /// With the default (weak) close degree, H5Fclose leaves the file open while any dataset is
    /// still open; the commit fsyncs right after closing, so a close must really close.
    private static func strongCloseAccessList(path: String) throws -> hid_t {
        let access = try HDF5.check(H5Pcreate(vimo_h5p_file_access()), path: path, "H5Pcreate(FILE_ACCESS)")
        if H5Pset_fclose_degree(access, H5F_CLOSE_STRONG) < 0 {
            H5Pclose(access)
            try HDF5.check(-1, path: path, "H5Pset_fclose_degree(STRONG)")
        }
        return access
    }

    /// Flushes HDF5's caches to the OS.
    func flush() throws {
        try HDF5.check(H5Fflush(id, H5F_SCOPE_GLOBAL), path: path, "H5Fflush")
    }

    /// Closes the file (and, by the strong close degree, anything still open in it).
    func close() throws {
        try HDF5.check(H5Fclose(id), path: path, "H5Fclose")
    }

    /// Whether a dataset (or any link) called `name` exists at the root.
    func exists(_ name: String) throws -> Bool {
        try HDF5.check(H5Lexists(id, name, vimo_h5p_default()), path: path, "H5Lexists(\(name))") > 0
    }

    /// Opens dataset `name`, runs `body` with its id and closes it.
    func withDataset<T>(_ name: String, _ body: (hid_t) throws -> T) throws -> T {
        let dataset = try HDF5.check(H5Dopen2(id, name, vimo_h5p_default()), path: path, "H5Dopen(\(name))")
        defer { H5Dclose(dataset) }
        return try body(dataset)
    }

    /// The dimensions of dataset `name`.
    func shape(of name: String) throws -> [Int] {
        try withDataset(name) { dataset in try HDF5File.shape(ofDataset: dataset, path: path, name: name) }
    }

    /// The dimensions of an open dataset.
    static func shape(ofDataset dataset: hid_t, path: String, name: String) throws -> [Int] {
        let space = try HDF5.check(H5Dget_space(dataset), path: path, "H5Dget_space(\(name))")
        defer { H5Sclose(space) }
        let rank = try HDF5.check(H5Sget_simple_extent_ndims(space), path: path, "H5Sget_simple_extent_ndims(\(name))")
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        try HDF5.check(H5Sget_simple_extent_dims(space, &dims, nil), path: path, "H5Sget_simple_extent_dims(\(name))")
        return dims.map { Int($0) }
    }

    /// The class and size of an open dataset's file type, to check it against the schema.
    static func typeInfo(ofDataset dataset: hid_t, path: String, name: String) throws -> (class: H5T_class_t, size: Int, isVariableString: Bool) {
        let type = try HDF5.check(H5Dget_type(dataset), path: path, "H5Dget_type(\(name))")
        defer { H5Tclose(type) }
        let typeClass = H5Tget_class(type)
        let variable = typeClass == H5T_STRING && H5Tis_variable_str(type) > 0
        return (typeClass, H5Tget_size(type), variable)
    }

    /// Creates a dataset of `dims` and writes `bytes` (already in `memoryType`) into it: contiguous,
    /// or, when `checksummed` and not empty, one chunk (up to 1 GiB) with Fletcher-32 (`Checksums`).
    func writeDataset(_ name: String, dims: [Int], fileType: hid_t, memoryType: hid_t, bytes: UnsafeRawPointer?,
                      checksummed: Bool = false) throws {
        let space = try HDF5File.simpleSpace(dims, path: path, name: name)
        defer { H5Sclose(space) }
        let creation = try HDF5.check(H5Pcreate(vimo_h5p_dataset_create()), path: path, "H5Pcreate(DATASET_CREATE)")
        defer { H5Pclose(creation) }
        if checksummed && Checksums.enabled && dims.reduce(1, *) > 0 {
            // A chunk may not exceed 4 GiB: split along the first dimension when a table is that large.
            let rowBytes = dims.dropFirst().reduce(1, *) * H5Tget_size(fileType)
            var chunk = dims.map { hsize_t($0) }
            chunk[0] = hsize_t(min(dims[0], max(1, (1 << 30) / max(1, rowBytes))))
            try HDF5.check(H5Pset_chunk(creation, Int32(chunk.count), chunk), path: path, "H5Pset_chunk(\(name))")
            try Checksums.apply(to: creation, path: path, dataset: name)
        }
        let dataset = try HDF5.check(H5Dcreate2(id, name, fileType, space, vimo_h5p_default(), creation, vimo_h5p_default()),
                                     path: path, "H5Dcreate(\(name))")
        defer { H5Dclose(dataset) }
        // HDF5 rejects a NULL buffer even for an empty selection; nothing to write anyway.
        guard dims.reduce(1, *) > 0, let bytes else { return }
        try HDF5.check(H5Dwrite(dataset, memoryType, vimo_h5s_all(), vimo_h5s_all(), vimo_h5p_default(), bytes),
                       path: path, "H5Dwrite(\(name))")
    }

    /// Writes a 1-D dataset of variable-length UTF-8 strings, as h5py writes a list of `str`.
    func writeStrings(_ name: String, _ strings: [String]) throws {
        let type = try HDF5Types.utf8String(path: path)
        defer { H5Tclose(type) }
        let cStrings = strings.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        try cStrings.withUnsafeBytes { buffer in
            try writeDataset(name, dims: [strings.count], fileType: type, memoryType: type, bytes: buffer.baseAddress)
        }
    }

    /// Writes a 1-D or 2-D array of fixed-size numbers, checksummed.
    func writeNumbers<T>(_ name: String, _ values: [T], dims: [Int], fileType: hid_t, memoryType: hid_t,
                         checksummed: Bool = true) throws {
        precondition(values.count == dims.reduce(1, *), "dims \(dims) do not match \(values.count) values")
        try values.withUnsafeBytes { buffer in
            try writeDataset(name, dims: dims, fileType: fileType, memoryType: memoryType, bytes: buffer.baseAddress,
                             checksummed: checksummed)
        }
    }

    /// Reads a whole 1-D dataset of variable-length strings.
    func readStrings(_ name: String) throws -> [String] {
        try withDataset(name) { dataset in
            let info = try HDF5File.typeInfo(ofDataset: dataset, path: path, name: name)
            guard info.isVariableString else {
                throw StoreError.schemaMismatch(path: path, detail: "dataset '\(name)' is not variable-length strings")
            }
            let dims = try HDF5File.shape(ofDataset: dataset, path: path, name: name)
            guard dims.count == 1 else {
                throw StoreError.schemaMismatch(path: path, detail: "dataset '\(name)' has shape \(dims), expected one dimension")
            }
            guard dims[0] > 0 else { return [] }
            let type = try HDF5Types.utf8String(path: path)
            defer { H5Tclose(type) }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: dims[0])
            try checkRead(H5Dread(dataset, type, vimo_h5s_all(), vimo_h5s_all(), vimo_h5p_default(), &pointers),
                          dataset: name, rows: 0..<dims[0])
            let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
            let space = H5Dget_space(dataset)
            if space >= 0 {
                H5Dvlen_reclaim(type, space, vimo_h5p_default(), &pointers)
                H5Sclose(space)
            }
            return strings
        }
    }

    /// Reads a whole dataset of integers (any stored width) as `T` through `memoryType`.
    func readNumbers<T: FixedWidthInteger>(_ name: String, as _: T.Type, memoryType: hid_t) throws -> (dims: [Int], values: [T]) {
        try withDataset(name) { dataset in
            let info = try HDF5File.typeInfo(ofDataset: dataset, path: path, name: name)
            guard info.class == H5T_INTEGER else {
                throw StoreError.schemaMismatch(path: path, detail: "dataset '\(name)' is not integers")
            }
            let dims = try HDF5File.shape(ofDataset: dataset, path: path, name: name)
            let count = dims.reduce(1, *)
            guard count > 0 else { return (dims, []) }
            let values = try [T](unsafeUninitializedCapacity: count) { buffer, initialised in
                try checkRead(H5Dread(dataset, memoryType, vimo_h5s_all(), vimo_h5s_all(), vimo_h5p_default(), buffer.baseAddress),
                              dataset: name, rows: 0..<(dims.first ?? 1))
                initialised = count
            }
            return (dims, values)
        }
    }

    /// A simple dataspace of `dims`, optionally extendible to `maxDims`.
    static func simpleSpace(_ dims: [Int], maxDims: [hsize_t]? = nil, path: String, name: String) throws -> hid_t {
        let current = dims.map { hsize_t($0) }
        if let maxDims {
            return try HDF5.check(H5Screate_simple(Int32(dims.count), current, maxDims), path: path, "H5Screate_simple(\(name))")
        }
        return try HDF5.check(H5Screate_simple(Int32(dims.count), current, nil), path: path, "H5Screate_simple(\(name))")
    }
}
