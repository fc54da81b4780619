import CHDF5
import Foundation

/// Scalar file attributes, written the way h5py writes `attrs[name] = "text"` and `= 1`
/// (variable-length UTF-8 string, int64), so h5py reads them back as `str` and `numpy.int64`.
/// Every method must be called under `HDF5.serialized`.
extension HDF5File {
    /// Writes a scalar variable-length UTF-8 string attribute on the root group.
    func setAttribute(_ name: String, string value: String) throws {
        let type = try HDF5Types.utf8String(path: path)
        defer { H5Tclose(type) }
        guard let cString = strdup(value) else { throw StoreError.system(path: path, operation: "strdup", errno: ENOMEM) }
        defer { free(cString) }
        var pointer: UnsafeMutablePointer<CChar>? = cString
        try writeScalarAttribute(name, type: type, bytes: &pointer)
    }

    /// Writes a scalar int64 attribute on the root group.
    func setAttribute(_ name: String, integer value: Int64) throws {
        var value = value
        try writeScalarAttribute(name, type: vimo_h5t_std_i64le(), memoryType: vimo_h5t_native_int64(), bytes: &value)
    }

    private func writeScalarAttribute(_ name: String, type: hid_t, memoryType: hid_t? = nil, bytes: UnsafeRawPointer) throws {
        let space = try HDF5.check(H5Screate(H5S_SCALAR), path: path, "H5Screate(SCALAR)")
        defer { H5Sclose(space) }
        let attribute = try HDF5.check(H5Acreate2(id, name, type, space, vimo_h5p_default(), vimo_h5p_default()),
                                       path: path, "H5Acreate(\(name))")
        defer { H5Aclose(attribute) }
        try HDF5.check(H5Awrite(attribute, memoryType ?? type, bytes), path: path, "H5Awrite(\(name))")
    }

    /// Reads a string attribute of the root group, or nil when it is absent. Accepts the
    /// variable-length form this library and h5py write and fixed-length strings (numpy `S`).
    func stringAttribute(_ name: String) throws -> String? {
        try withAttribute(name) { attribute in
            let fileType = try HDF5.check(H5Aget_type(attribute), path: path, "H5Aget_type(\(name))")
            defer { H5Tclose(fileType) }
            guard H5Tget_class(fileType) == H5T_STRING else {
                throw StoreError.schemaMismatch(path: path, detail: "attribute '\(name)' is not a string")
            }
            if H5Tis_variable_str(fileType) > 0 {
                let type = try HDF5Types.utf8String(path: path)
                defer { H5Tclose(type) }
                var pointer: UnsafeMutablePointer<CChar>?
                try HDF5.check(H5Aread(attribute, type, &pointer), path: path, "H5Aread(\(name))")
                defer { if let pointer { H5free_memory(pointer) } }
                return pointer.map { String(cString: $0) } ?? ""
            }
            let size = H5Tget_size(fileType)
            // One extra zero byte so a string that fills its fixed size is still terminated.
            var bytes = [CChar](repeating: 0, count: size + 1)
            try HDF5.check(H5Aread(attribute, fileType, &bytes), path: path, "H5Aread(\(name))")
            return String(nulTerminated: bytes)
        }
    }

    /// Reads an integer attribute of the root group as Int, or nil when it is absent.
    func integerAttribute(_ name: String) throws -> Int? {
        try withAttribute(name) { attribute in
            let fileType = try HDF5.check(H5Aget_type(attribute), path: path, "H5Aget_type(\(name))")
            defer { H5Tclose(fileType) }
            guard H5Tget_class(fileType) == H5T_INTEGER else {
                throw StoreError.schemaMismatch(path: path, detail: "attribute '\(name)' is not an integer")
            }
            var value: Int64 = 0
            try HDF5.check(H5Aread(attribute, vimo_h5t_native_int64(), &value), path: path, "H5Aread(\(name))")
            return Int(value)
        }
    }

    /// Opens a scalar (or one-element) root attribute, runs `body`, closes it; nil when absent.
    private func withAttribute<T>(_ name: String, _ body: (hid_t) throws -> T) throws -> T? {
        guard try HDF5.check(H5Aexists(id, name), path: path, "H5Aexists(\(name))") > 0 else { return nil }
        let attribute = try HDF5.check(H5Aopen(id, name, vimo_h5p_default()), path: path, "H5Aopen(\(name))")
        defer { H5Aclose(attribute) }
        let space = try HDF5.check(H5Aget_space(attribute), path: path, "H5Aget_space(\(name))")
        defer { H5Sclose(space) }
        guard H5Sget_simple_extent_npoints(space) == 1 else {
            throw StoreError.schemaMismatch(path: path, detail: "attribute '\(name)' is not a single value")
        }
        return try body(attribute)
    }
}
