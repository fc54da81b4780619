import Foundation

/// The element type of a tensor stored in a checkpoint file.
public enum CheckpointDType: String, Sendable, CaseIterable {
    /// IEEE 754 double precision.
    case f64
    /// IEEE 754 single precision.
    case f32
    /// IEEE 754 half precision.
    case f16
    /// bfloat16: the upper half of a float32.
    case bf16
    /// Signed 64-bit integer.
    case i64
    /// Signed 32-bit integer.
    case i32
    /// Signed 16-bit integer.
    case i16
    /// Signed 8-bit integer.
    case i8
    /// Unsigned 8-bit integer.
    case u8
    /// Boolean, one byte per element (0 or 1).
    case bool

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8, .u8, .bool: return 1
        }
    }

    /// The dtype of a legacy typed torch storage class (`FloatStorage`, `HalfStorage`, …), or nil if it has none here.
    ///
    /// Accepts the bare class name or a qualified one (`torch.FloatStorage`, `torch.cuda.HalfStorage`).
    public init?(torchStorageType name: String) {
        let base = name.split(separator: ".").last.map(String.init) ?? name
        switch base {
        case "DoubleStorage": self = .f64
        case "FloatStorage": self = .f32
        case "HalfStorage": self = .f16
        case "BFloat16Storage": self = .bf16
        case "LongStorage": self = .i64
        case "IntStorage": self = .i32
        case "ShortStorage": self = .i16
        case "CharStorage": self = .i8
        case "ByteStorage": self = .u8
        case "BoolStorage": self = .bool
        default: return nil
        }
    }

    /// The dtype of a torch dtype attribute name (`float32`, `half`, `bfloat16`, `long`, …), or nil if it has none here.
    public init?(torchDTypeName name: String) {
        switch name {
        case "float64", "double": self = .f64
        case "float32", "float": self = .f32
        case "float16", "half": self = .f16
        case "bfloat16": self = .bf16
        case "int64", "long": self = .i64
        case "int32", "int": self = .i32
        case "int16", "short": self = .i16
        case "int8": self = .i8
        case "uint8": self = .u8
        case "bool": self = .bool
        default: return nil
        }
    }

    /// The dtype of a safetensors header dtype string (`F32`, `BF16`, `I64`, `BOOL`, …), or nil if it has none here.
    public init?(safetensorsName name: String) {
        switch name {
        case "F64": self = .f64
        case "F32": self = .f32
        case "F16": self = .f16
        case "BF16": self = .bf16
        case "I64": self = .i64
        case "I32": self = .i32
        case "I16": self = .i16
        case "I8": self = .i8
        case "U8": self = .u8
        case "BOOL": self = .bool
        default: return nil
        }
    }

    /// The dtype string a safetensors header uses for this dtype.
    public var safetensorsName: String {
        switch self {
        case .f64: return "F64"
        case .f32: return "F32"
        case .f16: return "F16"
        case .bf16: return "BF16"
        case .i64: return "I64"
        case .i32: return "I32"
        case .i16: return "I16"
        case .i8: return "I8"
        case .u8: return "U8"
        case .bool: return "BOOL"
        }
    }
}
