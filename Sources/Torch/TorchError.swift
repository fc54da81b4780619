import CTorch
import Foundation

/// Failures of the tensor engine, with libtorch's own message where it produced one.
public enum TorchError: Error, LocalizedError, Equatable {
    /// libtorch rejected an operation (shape mismatch, wrong dtype, …).
    case libtorch(operation: String, message: String)
    /// A Swift-side check failed before libtorch was called.
    case invalidArgument(String)
    /// Loading weights into a module found keys or shapes that do not match.
    case checkpointMismatch(missing: [String], unexpected: [String], mismatched: [String])
    /// A checkpoint file could not be read.
    case checkpoint(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .libtorch(let operation, let message): return "\(operation): \(message)"
        case .invalidArgument(let text): return text
        case .checkpointMismatch(let missing, let unexpected, let mismatched):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing keys: " + missing.joined(separator: ", ")) }
            if !unexpected.isEmpty { parts.append("unexpected keys: " + unexpected.joined(separator: ", ")) }
            if !mismatched.isEmpty { parts.append("shape mismatches: " + mismatched.joined(separator: ", ")) }
            return "weights do not fit the model: " + parts.joined(separator: "; ")
        case .checkpoint(let path, let reason): return "\(path): \(reason)"
        }
    }
}

/// Turns a shim result into a Tensor or a TorchError carrying libtorch's message.
@inline(__always)
func check(_ handle: vt_tensor?, _ operation: @autoclosure () -> String) throws -> Tensor {
    Tensor(handle: try checkHandle(handle, operation()))
}

/// The raw handle, or a TorchError with libtorch's message.
@inline(__always)
func checkHandle(_ handle: vt_tensor?, _ operation: @autoclosure () -> String) throws -> vt_tensor {
    guard let handle else { throw TorchError.libtorch(operation: operation(), message: String(cString: vt_last_error())) }
    return handle
}

@inline(__always)
func checkStatus(_ status: Int32, _ operation: @autoclosure () -> String) throws {
    if status < 0 { throw TorchError.libtorch(operation: operation(), message: String(cString: vt_last_error())) }
}
