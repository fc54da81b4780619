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
    ///
    /// Every floating-point tensor is checked once for NaN and ±∞, so a damaged file is rejected here,
    /// naming the file and the tensor, and not found later as NaN embeddings or a NaN loss.
    public static func loadWeights(_ url: URL) throws -> [String: Tensor] {
        let checkpoint = try CheckpointReader.read(url)
        var out: [String: Tensor] = [:]
        for (name, t) in checkpoint.tensors {
            out[name] = try t.data.withUnsafeBytes { raw in
                try Tensor(bytes: raw, shape: t.shape, dtype: DType(t.dtype))
            }
        }
        try requireFinite(out, file: url.checkpointDisplayPath)
        return out
    }

    /// Throws `CheckpointError.nonFinite` for the first tensor (by name) holding NaN or ±∞.
    ///
    /// Attention masks are the one place a checkpoint holds −∞ by design (OpenAI CLIP's TorchScript text
    /// tower stores its causal `attn_mask`), so −∞ in a tensor whose name ends in `mask` is accepted;
    /// NaN and +∞ never are.
    public static func requireFinite(_ tensors: [String: Tensor], file: String) throws {
        var damaged: [(name: String, nan: Int, infinite: Int)] = []
        for (name, tensor) in tensors {
            let counts = try tensor.nonFiniteCount()
            let infinite = name.hasSuffix("mask") ? counts.positiveInfinity : counts.infinite
            if counts.nan > 0 || infinite > 0 { damaged.append((name, counts.nan, infinite)) }
        }
        guard let first = damaged.min(by: { $0.name < $1.name }) else { return }
        throw CheckpointError.nonFinite(file: file, tensor: first.name, nan: first.nan, infinite: first.infinite,
                                        otherTensors: damaged.count - 1)
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

extension Module {
    /// Reads the weights file at `url` with `read` (which may rename keys, as the model loaders do) and
    /// loads them strictly; a missing, unexpected or mis-shaped key is reported naming the file.
    public func load(contentsOf url: URL, using read: (URL) throws -> [String: Tensor] = Torch.loadWeights) throws {
        do {
            try load(read(url))
        } catch let error as TorchError {
            throw error.naming(file: url.checkpointDisplayPath)
        }
    }
}
