import CTorch
import Foundation

/// Process-wide libtorch settings.
public enum Torch {
    /// Applied once before the first tensor: intra-op threads = $VIMO_THREADS or the core count
    /// (Debian's libtorch otherwise uses a single thread).
    static let configured: Void = {
        let requested = ProcessInfo.processInfo.environment["VIMO_THREADS"].flatMap(Int.init)
        _ = vt_set_num_threads(Int32(max(1, requested ?? ProcessInfo.processInfo.activeProcessorCount)))
    }()

    /// Intra-op threads libtorch uses.
    public static var threads: Int {
        get { _ = configured; return Int(vt_get_num_threads()) }
        set { _ = configured; _ = vt_set_num_threads(Int32(max(1, newValue))) }
    }

    /// Seeds libtorch's generators: with it, CPU runs are deterministic.
    public static func seed(_ value: UInt64) {
        _ = configured
        _ = vt_manual_seed(value)
    }

    /// CUDA devices visible to this libtorch (0 on a CPU-only build).
    public static var cudaDeviceCount: Int { Int(vt_cuda_device_count()) }

    /// libtorch's version string.
    public static var version: String {
        var buffer = [CChar](repeating: 0, count: 64)
        _ = vt_version(&buffer, buffer.count)
        return String(cString: buffer)
    }

    /// Runs `body` with gradient recording off on this thread (inference, weight updates).
    public static func withoutGrad<T>(_ body: () throws -> T) rethrows -> T {
        _ = configured
        let previous = vt_set_grad_enabled(0)
        defer { _ = vt_set_grad_enabled(previous == 0 ? 0 : 1) }
        return try body()
    }

    /// Runs `body` under autocast on this thread: on `device`'s kind (CPU or CUDA), eligible operations (matrix
    /// products, convolutions, linear layers) compute in `dtype` (`.bfloat16`, or `.float16` on CUDA) while the
    /// rest stay float32; gradients flow back to the float32 weights. `dtype` nil runs `body` as it is.
    public static func autocast<T>(_ dtype: DType?, on device: Device, _ body: () throws -> T) rethrows -> T {
        _ = configured
        guard let dtype else { return try body() }
        let cuda: Int32 = device == .cpu ? 0 : 1
        let previous = vt_set_autocast(cuda, 1, Int32(dtype.rawValue))
        defer { if previous == 0 { _ = vt_set_autocast(cuda, 0, Int32(dtype.rawValue)) } }
        return try body()
    }
}
