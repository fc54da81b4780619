import CHDF5

/// Datatypes this module builds itself. Each returns a fresh type id the caller must `H5Tclose`.
/// Must be called under `HDF5.serialized`.
enum HDF5Types {
    /// Variable-length UTF-8 string, the type h5py uses for Python `str` data and attributes
    /// (so h5py reads attributes back as `str`).
    static func utf8String(path: String) throws -> hid_t {
        let type = try HDF5.check(H5Tcopy(vimo_h5t_c_s1()), path: path, "H5Tcopy(C_S1)")
        do {
            try HDF5.check(H5Tset_size(type, vimo_h5t_variable()), path: path, "H5Tset_size(VARIABLE)")
            try HDF5.check(H5Tset_cset(type, H5T_CSET_UTF8), path: path, "H5Tset_cset(UTF8)")
        } catch {
            H5Tclose(type)
            throw error
        }
        return type
    }

    /// Little-endian IEEE half precision, built exactly as h5py builds `numpy.float16` for
    /// HDF5 < 1.14.4 (a float32 with the fields, size and bias of binary16), so that h5py
    /// maps it to dtype `<f2` and `H5Tequal` holds against h5py's own files.
    static func float16(path: String) throws -> hid_t {
        let type = try HDF5.check(H5Tcopy(vimo_h5t_ieee_f32le()), path: path, "H5Tcopy(IEEE_F32LE)")
        do {
            try HDF5.check(H5Tset_fields(type, 15, 10, 5, 0, 10), path: path, "H5Tset_fields(half)")
            try HDF5.check(H5Tset_size(type, 2), path: path, "H5Tset_size(2)")
            try HDF5.check(H5Tset_ebias(type, 15), path: path, "H5Tset_ebias(15)")
        } catch {
            H5Tclose(type)
            throw error
        }
        return type
    }
}
