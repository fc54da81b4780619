import CHDF5
import Foundation

/// HDF5's Fletcher-32 checksum filter (DESIGN.md §5b), the one h5py sets with `fletcher32=True`.
///
/// Every chunked dataset a writer creates carries it, after any compression (as h5py orders it):
/// the checksum covers the bytes as stored, is verified on every read before anything is
/// decompressed, and a mismatch fails the read instead of returning wrong numbers. Variable-length
/// string datasets (`items`, `source`) stay contiguous and unfiltered: on them the filter would cover
/// only the references into HDF5's global heap, not the text.
enum Checksums {
    /// The environment variable that switches checksums off for new shards: `VIMO_STORE_CHECKSUMS=off`.
    /// Only `bench/integrity.sh` sets it, to measure what the checksums cost; readers are unaffected.
    static let environmentSwitch = "VIMO_STORE_CHECKSUMS"

    /// HDF5's id of the Fletcher-32 filter (H5Z_FILTER_FLETCHER32), as h5py and `h5dump` report it.
    static let filterID = Int(H5Z_FILTER_FLETCHER32)

    /// Whether new datasets get the filter: yes unless the switch says `off`, `0`, `no` or `false`.
    static let enabled: Bool = {
        guard let value = ProcessInfo.processInfo.environment[environmentSwitch]?.lowercased() else { return true }
        return !["off", "0", "no", "false"].contains(value)
    }()

    /// Adds the filter to a dataset creation property list (last, after compression). Under the lock.
    static func apply(to creationList: hid_t, path: String, dataset: String) throws {
        guard enabled else { return }
        try HDF5.check(H5Pset_fletcher32(creationList), path: path, "H5Pset_fletcher32(\(dataset))")
    }

    /// Whether an HDF5 error stack is the Fletcher-32 filter refusing a chunk (HDF5 writes
    /// "data error detected by Fletcher32 checksum").
    static func isMismatch(_ message: String) -> Bool {
        message.range(of: "Fletcher32", options: .caseInsensitive) != nil
    }
}

extension HDF5File {
    /// Checks the result of an `H5Dread` of `rows` of dataset `name`: a checksum failure becomes
    /// `StoreError.checksumMismatch`, anything else `StoreError.hdf5`. Under the lock.
    func checkRead(_ result: herr_t, dataset name: String, rows: Range<Int>) throws {
        guard result < 0 else { return }
        let message = HDF5.takeErrorMessage()
        if Checksums.isMismatch(message) {
            throw StoreError.checksumMismatch(path: path, dataset: name, rows: rows)
        }
        throw StoreError.hdf5(path: path, operation: "H5Dread(\(name), rows \(rows.lowerBound)..<\(rows.upperBound))", message: message)
    }

    /// The filters of an open dataset's pipeline, in order (empty for a contiguous dataset). Under the lock.
    static func filters(ofDataset dataset: hid_t, path: String, name: String) throws -> [H5Z_filter_t] {
        let creation = try HDF5.check(H5Dget_create_plist(dataset), path: path, "H5Dget_create_plist(\(name))")
        defer { H5Pclose(creation) }
        let count = try HDF5.check(H5Pget_nfilters(creation), path: path, "H5Pget_nfilters(\(name))")
        var filters: [H5Z_filter_t] = []
        for index in 0..<UInt32(count) {
            var flags: UInt32 = 0
            var valueCount = 0
            var nameBuffer = [CChar](repeating: 0, count: 64)
            var config: UInt32 = 0
            let filter = H5Pget_filter2(creation, index, &flags, &valueCount, nil, nameBuffer.count, &nameBuffer, &config)
            filters.append(try HDF5.check(filter, path: path, "H5Pget_filter2(\(name), \(index))"))
        }
        return filters
    }

    /// Rows per chunk of an open (N, …) dataset, nil when it is not chunked. Under the lock.
    static func rowsPerChunk(ofDataset dataset: hid_t, path: String, name: String) throws -> Int? {
        let creation = try HDF5.check(H5Dget_create_plist(dataset), path: path, "H5Dget_create_plist(\(name))")
        defer { H5Pclose(creation) }
        guard H5Pget_layout(creation) == H5D_CHUNKED else { return nil }
        var dims = [hsize_t](repeating: 0, count: 32)
        let rank = try HDF5.check(H5Pget_chunk(creation, Int32(dims.count), &dims), path: path, "H5Pget_chunk(\(name))")
        return rank > 0 ? max(1, Int(dims[0])) : nil
    }
}
