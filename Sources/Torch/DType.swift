import CTorch

/// Element types vimo uses.
public enum DType: Int32, Sendable, CaseIterable {
    case float32 = 0, float64 = 1, float16 = 2, bfloat16 = 3, int64 = 4, int32 = 5, uint8 = 6, bool = 7, int8 = 8, int16 = 9

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .uint8, .bool, .int8: return 1
        }
    }

    /// Whether the type holds floating-point values.
    public var isFloatingPoint: Bool { [.float32, .float64, .float16, .bfloat16].contains(self) }
}

/// Where a tensor lives.
public enum Device: Sendable, Equatable, CustomStringConvertible {
    case cpu
    case cuda(Int)

    var code: (Int32, Int32) {
        switch self {
        case .cpu: return (0, 0)
        case .cuda(let i): return (1, Int32(i))
        }
    }

    /// Parses `cpu`, `cuda`, `cuda:N`.
    public init?(_ text: String) {
        if text == "cpu" { self = .cpu; return }
        if text == "cuda" { self = .cuda(0); return }
        guard text.hasPrefix("cuda:"), let i = Int(text.dropFirst(5)), i >= 0 else { return nil }
        self = .cuda(i)
    }

    public var description: String {
        switch self {
        case .cpu: return "cpu"
        case .cuda(let i): return "cuda:\(i)"
        }
    }
}

/// Swift element types that map to a DType.
public protocol TensorElement {
    static var dtype: DType { get }
}
extension Float: TensorElement { public static var dtype: DType { .float32 } }
extension Double: TensorElement { public static var dtype: DType { .float64 } }
extension Int64: TensorElement { public static var dtype: DType { .int64 } }
extension Int32: TensorElement { public static var dtype: DType { .int32 } }
extension UInt8: TensorElement { public static var dtype: DType { .uint8 } }
extension Int8: TensorElement { public static var dtype: DType { .int8 } }
extension Int16: TensorElement { public static var dtype: DType { .int16 } }
extension Bool: TensorElement { public static var dtype: DType { .bool } }
#if arch(x86_64) || arch(arm64)
extension Float16: TensorElement { public static var dtype: DType { .float16 } }
#endif
