import CHDF5

/// The HDF5 types of a payload dataset: the on-disk type h5py would create for the numpy dtype,
/// and the in-memory type rows are handed over in. For float16 both are the same half type, so
/// HDF5 copies bits and the rounding is Swift's `Float16(_:)` (round to nearest even, as numpy).
struct PayloadTypes {
    /// On-disk type.
    let file: hid_t
    /// In-memory type.
    let memory: hid_t
    /// Whether `file`/`memory` were created here and must be closed (the half type); the
    /// predefined types belong to the library.
    private let owned: Bool

    /// The types of `payload`, nil for `.none`. Under `HDF5.serialized`; `close()` when done.
    static func of(_ payload: Payload, path: String) throws -> PayloadTypes? {
        switch payload {
        case .frames:
            return PayloadTypes(file: vimo_h5t_std_u8le(), memory: vimo_h5t_native_uint8(), owned: false)
        case .flow:
            let half = try HDF5Types.float16(path: path)
            return PayloadTypes(file: half, memory: half, owned: true)
        case .embeddings, .scores:
            return PayloadTypes(file: vimo_h5t_ieee_f32le(), memory: vimo_h5t_native_float(), owned: false)
        case .none:
            return nil
        }
    }

    /// Releases the types created here.
    func close() {
        if owned { H5Tclose(file) }
    }
}
