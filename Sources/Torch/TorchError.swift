import CTorch
import Foundation

/// Failures of the tensor engine, with libtorch's own message where it produced one.
public enum TorchError: Error, LocalizedError, Equatable {
    /// libtorch rejected an operation (shape mismatch, wrong dtype, …).
    case libtorch(operation: String, message: String)
    /// A Swift-side check failed before libtorch was called.
    case invalidArgument(String)
    /// Loading weights into a module found keys or shapes that do not match; `file` is the weights file
    /// they came from, when they came from one.
    case checkpointMismatch(file: String? = nil, missing: [String], unexpected: [String], mismatched: [String])
    /// A checkpoint file could not be read.
    case checkpoint(path: String, reason: String)

    /// A sentence saying what failed.
    public var errorDescription: String? {
        switch self {
        case .libtorch(let operation, let message): return "\(operation): \(message)"
        case .invalidArgument(let text): return text
        case .checkpointMismatch(let file, let missing, let unexpected, let mismatched):
            // A checkpoint of another architecture misses hundreds of keys: name the first few and count the rest.
            func listed(_ keys: [String]) -> String {
                let shown = keys.prefix(12).joined(separator: ", ")
                return keys.count > 12 ? shown + " and \(keys.count - 12) more" : shown
            }
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing keys: " + listed(missing)) }
            if !unexpected.isEmpty { parts.append("unexpected keys: " + listed(unexpected)) }
            if !mismatched.isEmpty { parts.append("shape mismatches: " + listed(mismatched)) }
            let text = "weights do not fit the model: " + parts.joined(separator: "; ")
            return file.map { "\($0): \(text) (is it a checkpoint of this model and configuration?)" } ?? text
        case .checkpoint(let path, let reason): return "\(path): \(reason)"
        }
    }

    /// The same error naming the weights file it is about (a key or shape mismatch learns its file here).
    public func naming(file: String) -> TorchError {
        guard case .checkpointMismatch(nil, let missing, let unexpected, let mismatched) = self else { return self }
        return .checkpointMismatch(file: file, missing: missing, unexpected: unexpected, mismatched: mismatched)
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
