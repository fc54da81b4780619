import Foundation

/// Collects the tensors and scalar leaves of an unpickled value under dotted names.
///
/// Dict keys and list indices become name components (`model.layers.0.weight`), whole pickled `nn.Module`s
/// contribute their parameters and persistent buffers as `state_dict()` would, and scalars (`epoch`, `note`) go to
/// metadata. Everything else (None, unknown objects without state, bytes) is skipped.
struct PickleFlattener {
    private let file: String
    private let bigEndian: Bool
    private(set) var tensors: [String: CheckpointTensor] = [:]
    private(set) var metadata: [String: String] = [:]
    /// Containers on the current path, so that a self-referencing pickle cannot recurse forever.
    private var visiting: Set<ObjectIdentifier> = []

    /// Prepares to flatten values from `file`.
    init(file: String, bigEndian: Bool) {
        self.file = file
        self.bigEndian = bigEndian
    }

    /// Name used for a tensor at the root of the pickle (`torch.save(tensor)`).
    static let rootTensorName = "tensor"

    /// Whether an opaque object is a tensor kind this reader cannot represent (torch's other `_rebuild_*` functions),
    /// which must fail loudly rather than vanish from the checkpoint.
    static func isUnsupportedTensor(_ object: PickleObject) -> Bool {
        (object.className.hasPrefix("torch._utils._rebuild_") || object.className.hasPrefix("torch._tensor._rebuild_"))
            && object.state == nil
    }

    /// Joins name components with dots.
    static func join(_ path: [String]) -> String { path.joined(separator: ".") }

    /// Adds a tensor view under `path`, materialising it.
    mutating func addTensor(_ view: TorchTensorView, path: [String]) throws {
        let name = path.isEmpty ? PickleFlattener.rootTensorName : PickleFlattener.join(path)
        guard tensors[name] == nil else { throw CheckpointError.duplicateName(file: file, name: name) }
        tensors[name] = try TensorMaterializer.materialize(view, name: name, file: file, bigEndian: bigEndian)
    }

    /// A dict key as a name component: strs as they are, ints in decimal, bools as `True`/`False`; nil for other keys.
    static func component(_ key: PickleValue) -> String? {
        switch key {
        case let .string(text): return text
        case let .int(value): return String(value)
        case let .bool(value): return value ? "True" : "False"
        default: return nil
        }
    }

    /// Flattens `value` found at `path`.
    mutating func flatten(_ value: PickleValue, path: [String]) throws {
        switch value {
        case let .tensor(view):
            try addTensor(view, path: path)
        case let .dict(dict):
            try enter(dict) { flattener in
                for (key, item) in dict.entries {
                    guard let component = PickleFlattener.component(key) else { continue }
                    try flattener.flatten(item, path: path + [component])
                }
            }
        case let .list(list):
            try enter(list) { flattener in
                for (index, item) in list.items.enumerated() { try flattener.flatten(item, path: path + [String(index)]) }
            }
        case let .tuple(items):
            for (index, item) in items.enumerated() { try flatten(item, path: path + [String(index)]) }
        case let .object(object) where PickleFlattener.isUnsupportedTensor(object):
            throw CheckpointError.unsupportedDType(file: file, tensor: path.isEmpty ? PickleFlattener.rootTensorName : PickleFlattener.join(path),
                                                   dtype: "a tensor rebuilt by \(object.className) (quantized, sparse, nested or device-only tensors are not supported)")
        case let .object(object):
            try enter(object) { flattener in
                guard let state = object.state else { return }
                if case let .dict(dict) = state, dict["_parameters"] != nil, dict["_modules"] != nil {
                    try flattener.flattenModule(dict, path: path)
                } else {
                    try flattener.flatten(state, path: path)
                }
            }
        case let .string(text):
            setMetadata(text, path: path)
        case let .int(number):
            setMetadata(String(number), path: path)
        case let .float(number):
            setMetadata(String(number), path: path)
        case let .bool(flag):
            setMetadata(flag ? "true" : "false", path: path)
        case .none, .bigInt, .bytes, .global, .storage, .dtype:
            break
        }
    }

    private mutating func setMetadata(_ text: String, path: [String]) {
        guard !path.isEmpty else { return }
        metadata[PickleFlattener.join(path)] = text
    }

    /// A whole pickled `nn.Module` (`torch.save(model)`): parameters, persistent buffers, then submodules.
    private mutating func flattenModule(_ state: PickleDict, path: [String]) throws {
        if case let .dict(parameters)? = state["_parameters"] {
            for (key, item) in parameters.entries {
                guard let component = PickleFlattener.component(key), case let .tensor(view) = item else { continue }
                try addTensor(view, path: path + [component])
            }
        }
        let transient = Set((state["_non_persistent_buffers_set"]?.sequence ?? []).compactMap(\.stringValue))
        if case let .dict(buffers)? = state["_buffers"] {
            for (key, item) in buffers.entries {
                guard let component = PickleFlattener.component(key), !transient.contains(component),
                      case let .tensor(view) = item else { continue }
                try addTensor(view, path: path + [component])
            }
        }
        if case let .dict(modules)? = state["_modules"] {
            for (key, item) in modules.entries {
                guard let component = PickleFlattener.component(key) else { continue }
                try flatten(item, path: path + [component])
            }
        }
    }

    private mutating func enter(_ container: AnyObject, _ body: (inout PickleFlattener) throws -> Void) throws {
        let identity = ObjectIdentifier(container)
        guard visiting.insert(identity).inserted else { return }
        defer { visiting.remove(identity) }
        try body(&self)
    }
}
