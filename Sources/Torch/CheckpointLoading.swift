import Foundation

extension DType {
    /// The tensor engine's dtype for a checkpoint's element type.
    init(_ checkpoint: CheckpointDType) {
        switch checkpoint {
        case .f64: self = .float64
        case .f32: self = .float32
        case .f16: self = .float16
        case .bf16: self = .bfloat16
        case .i64: self = .int64
        case .i32: self = .int32
        case .i16: self = .int16
        case .i8: self = .int8
        case .u8: self = .uint8
        case .bool: self = .bool
        }
    }

    /// The checkpoint element type for this dtype.
    var checkpointDType: CheckpointDType {
        switch self {
        case .float64: return .f64
        case .float32: return .f32
        case .float16: return .f16
        case .bfloat16: return .bf16
        case .int64: return .i64
        case .int32: return .i32
        case .int16: return .i16
        case .int8: return .i8
        case .uint8: return .u8
        case .bool: return .bool
        }
    }
}

extension Torch {
    /// Every tensor of a checkpoint file — safetensors, a `torch.save` zip (.pt/.pth/.bin, including
    /// OrderedDict state dicts and nested `{"model": …}` dicts) or a TorchScript archive — by name.
    public static func loadWeights(_ url: URL) throws -> [String: Tensor] {
        let checkpoint = try CheckpointReader.read(url)
        var out: [String: Tensor] = [:]
        for (name, t) in checkpoint.tensors {
            out[name] = try t.data.withUnsafeBytes { raw in
                try Tensor(bytes: raw, shape: t.shape, dtype: DType(t.dtype))
            }
        }
        return out
    }

    /// Writes tensors as safetensors (atomically), with string metadata.
    public static func saveSafetensors(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        let entries = try tensors.map { name, t -> CheckpointTensor in
            let cpu = try t.device == .cpu ? t.contiguous() : t.to(.cpu).contiguous()
            var data = Data(count: cpu.count * cpu.dtype.byteSize)
            try data.withUnsafeMutableBytes { try cpu.copyBytes(into: $0) }
            return CheckpointTensor(name: name, dtype: cpu.dtype.checkpointDType, shape: cpu.shape, data: data)
        }
        try SafetensorsWriter.write(entries, metadata: metadata, to: url)
    }
}
