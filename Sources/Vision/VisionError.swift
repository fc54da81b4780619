import CVision
import Foundation

/// Why an optical-flow computation failed, with OpenCV's own message where it produced one.
public enum VisionError: Error, LocalizedError, Equatable, Sendable {
    /// A frame or output buffer does not have the size its dimensions call for.
    case bufferSize(what: String, expected: Int, actual: Int)
    /// A width or height that is not positive, or too large.
    case invalidSize(width: Int, height: Int)
    /// A batch needs at least two frames to make one flow field.
    case tooFewFrames(Int)
    /// OpenCV (or the shim around it) refused an operation.
    case opencv(operation: String, code: Int32, message: String)

    /// A sentence naming what failed, for logs and the terminal.
    public var errorDescription: String? {
        switch self {
        case .bufferSize(let what, let expected, let actual):
            return "\(what) holds \(actual) values, expected \(expected)"
        case .invalidSize(let width, let height):
            return "invalid frame size \(width)×\(height)"
        case .tooFewFrames(let count):
            return "optical flow needs at least 2 frames, got \(count)"
        case .opencv(let operation, let code, let message):
            return "\(operation) failed (\(code)): \(message.isEmpty ? "no message" : message)"
        }
    }
}

/// Turns a shim status into a VisionError carrying the shim's per-thread message.
@inline(__always)
func checkStatus(_ status: Int32, _ operation: @autoclosure () -> String) throws {
    if status < 0 {
        throw VisionError.opencv(operation: operation(), code: status, message: String(cString: vv_last_error()))
    }
}
