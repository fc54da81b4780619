import Foundation

/// One named tensor read from (or to be written to) a checkpoint: raw bytes plus what they mean.
public struct CheckpointTensor: Sendable, Equatable {
    /// Dotted name, as in a PyTorch `state_dict()` (`visual.conv1.weight`).
    public var name: String
    /// Element type.
    public var dtype: CheckpointDType
    /// Sizes, outermost first; empty for a scalar.
    public var shape: [Int]
    /// Contiguous, row-major, little-endian elements: exactly `elementCount × dtype.byteSize` bytes.
    public var data: Data

    /// Wraps already-contiguous little-endian bytes; `data` must hold exactly `elementCount × dtype.byteSize` bytes.
    public init(name: String, dtype: CheckpointDType, shape: [Int], data: Data) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.data = data
    }

    /// Number of elements (the product of `shape`; 1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// Number of bytes the elements occupy.
    public var byteCount: Int { elementCount * dtype.byteSize }
}

/// The on-disk formats the readers understand.
public enum CheckpointFormat: String, Sendable {
    /// Hugging Face safetensors: 8-byte header length, JSON header, raw data.
    case safetensors
    /// `torch.save` zip archive (PyTorch ≥ 1.6): `data.pkl` plus raw storages.
    case torchZip
    /// `torch.jit.save` archive: a pickled module object tree plus raw storages and code.
    case torchScript
}

/// All tensors of one checkpoint file, by dotted name, plus string metadata.
public struct Checkpoint: Sendable {
    /// Tensors by name.
    public var tensors: [String: CheckpointTensor]
    /// Free-form metadata: the safetensors `__metadata__` map, or the scalar leaves of a pickled checkpoint
    /// (`epoch` → `7`), or for TorchScript the root class (`torchscript.class`).
    public var metadata: [String: String]
    /// The format the tensors were read from.
    public var format: CheckpointFormat

    /// Assembles a checkpoint from its parts.
    public init(tensors: [String: CheckpointTensor], metadata: [String: String] = [:], format: CheckpointFormat) {
        self.tensors = tensors
        self.metadata = metadata
        self.format = format
    }

    /// Tensor names, sorted.
    public var names: [String] { tensors.keys.sorted() }

    /// The tensor with this name, or nil.
    public subscript(name: String) -> CheckpointTensor? { tensors[name] }

    /// The tensors whose names start with `prefix` (given with or without its trailing dot), renamed without it.
    ///
    /// `checkpoint.stripping(prefix: "model")` turns `model.conv1.weight` into `conv1.weight` and drops tensors
    /// outside `model`. Metadata is kept unchanged.
    public func stripping(prefix: String) -> Checkpoint {
        let dotted = prefix.isEmpty || prefix.hasSuffix(".") ? prefix : prefix + "."
        var kept: [String: CheckpointTensor] = [:]
        for (name, tensor) in tensors where name.hasPrefix(dotted) {
            var renamed = tensor
            renamed.name = String(name.dropFirst(dotted.count))
            kept[renamed.name] = renamed
        }
        return Checkpoint(tensors: kept, metadata: metadata, format: format)
    }
}
