import CTorch
import Foundation

/// An owning handle to a libtorch tensor. Freed when the last Swift reference goes.
/// Operations throw `TorchError` with libtorch's message instead of crashing.
public final class Tensor: @unchecked Sendable {
    let handle: vt_tensor

    init(handle: vt_tensor) {
        _ = Torch.configured
        self.handle = handle
    }

    deinit { vt_free(handle) }

    // MARK: Creation

    /// A tensor holding a copy of `values` with the given shape.
    public convenience init<T: TensorElement>(_ values: [T], shape: [Int]) throws {
        let count = shape.reduce(1, *)
        guard count == values.count else {
            throw TorchError.invalidArgument("\(values.count) values cannot fill shape \(shape)")
        }
        let dims = shape.map(Int64.init)
        let h = values.withUnsafeBytes { raw in
            vt_from_data(raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, dims, Int32(dims.count), T.dtype.rawValue)
        }
        self.init(handle: try checkHandle(h, "Tensor(values:shape:)"))
    }

    /// A 1-D tensor.
    public convenience init<T: TensorElement>(_ values: [T]) throws {
        try self.init(values, shape: [values.count])
    }

    /// A tensor copied from raw bytes already in `dtype`'s layout (row-major, little-endian).
    public convenience init(bytes: UnsafeRawBufferPointer, shape: [Int], dtype: DType) throws {
        let count = shape.reduce(1, *)
        guard bytes.count == count * dtype.byteSize else {
            throw TorchError.invalidArgument("\(bytes.count) bytes cannot fill shape \(shape) of \(dtype)")
        }
        let dims = shape.map(Int64.init)
        self.init(handle: try checkHandle(vt_from_data(bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, dims,
                                                       Int32(dims.count), dtype.rawValue), "Tensor(bytes:shape:dtype:)"))
    }

    /// A tensor filled with `value`.
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try check(vt_full(dims, Int32(dims.count), value, dtype.rawValue, device.code.0, device.code.1), "full")
    }
    /// Zeros.
    public static func zeros(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        try full(shape, 0, dtype: dtype, device: device)
    }
    /// Ones.
    public static func ones(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        try full(shape, 1, dtype: dtype, device: device)
    }
    /// Standard normal samples (seeded by `Torch.seed`).
    public static func randn(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try check(vt_rand(dims, Int32(dims.count), 1, dtype.rawValue, device.code.0, device.code.1), "randn")
    }
    /// Uniform samples in [0, 1).
    public static func rand(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try check(vt_rand(dims, Int32(dims.count), 0, dtype.rawValue, device.code.0, device.code.1), "rand")
    }
    /// start, start+step, … below end.
    public static func arange(_ start: Double, _ end: Double, step: Double = 1, dtype: DType = .int64) throws -> Tensor {
        try check(vt_arange(start, end, step, dtype.rawValue), "arange")
    }

    // MARK: Facts

    /// Sizes of each dimension.
    public var shape: [Int] {
        let n = Int(vt_ndim(handle))
        var dims = [Int64](repeating: 0, count: Swift.max(n, 1))
        _ = vt_shape(handle, &dims)
        return dims.prefix(n).map(Int.init)
    }
    /// Number of dimensions.
    public var rank: Int { Int(vt_ndim(handle)) }
    /// Number of elements.
    public var count: Int { Int(vt_numel(handle)) }
    /// Element type.
    public var dtype: DType { DType(rawValue: vt_dtype(handle)) ?? .float32 }
    /// Device.
    public var device: Device {
        var index: Int32 = 0
        return vt_device(handle, &index) == 1 ? .cuda(Int(index)) : .cpu
    }

    // MARK: Reading values

    /// The values as a Swift array (converted to `T`'s dtype if needed).
    public func toArray<T: TensorElement>(_ type: T.Type = T.self) throws -> [T] {
        let source = dtype == T.dtype ? self : try to(T.dtype)
        let n = source.count
        return try [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            if n > 0 {
                try checkStatus(vt_copy_out(source.handle, buffer.baseAddress!, n * MemoryLayout<T>.stride), "toArray")
            }
            initialized = n
        }
    }

    /// Copies the values (in this tensor's dtype, contiguous) into `buffer`, which must be exactly that size.
    public func copyBytes(into buffer: UnsafeMutableRawBufferPointer) throws {
        try checkStatus(vt_copy_out(handle, buffer.baseAddress!, buffer.count), "copyBytes")
    }

    /// The values as raw bytes in this tensor's dtype, row-major (Store's on-disk row layout).
    public func bytes() throws -> [UInt8] {
        let n = count * dtype.byteSize
        return try [UInt8](unsafeUninitializedCapacity: n) { buffer, initialized in
            if n > 0 { try checkStatus(vt_copy_out(handle, buffer.baseAddress!, n), "bytes") }
            initialized = n
        }
    }

    /// The single value of a one-element tensor.
    public func item() throws -> Double {
        var ok: Int32 = 0
        let v = vt_item(handle, &ok)
        if ok == 0 { throw TorchError.libtorch(operation: "item", message: String(cString: vt_last_error())) }
        return v
    }

    // MARK: Conversions

    /// The same values in another dtype.
    public func to(_ dtype: DType) throws -> Tensor {
        let (d, i) = device.code
        return try check(vt_to(handle, dtype.rawValue, d, i), "to(\(dtype))")
    }
    /// The same values on another device (and optionally dtype).
    public func to(_ device: Device, dtype: DType? = nil) throws -> Tensor {
        try check(vt_to(handle, dtype?.rawValue ?? -1, device.code.0, device.code.1), "to(\(device))")
    }
    /// A copy with its own storage.
    public func clone() throws -> Tensor { try check(vt_clone(handle), "clone") }
    /// A contiguous version (the same tensor when already contiguous).
    public func contiguous() throws -> Tensor { try check(vt_contiguous(handle), "contiguous") }
}
