import CTorch
import Foundation

/// A layer or model: its stored properties are its parameters (tensors that require
/// grad), buffers (tensors that do not) and sub-modules, named by their property names
/// joined with dots — `encoder.layers.3.attn.q_proj.weight` — like PyTorch's state dict.
/// `keyOverrides` renames properties whose checkpoint names Swift cannot spell; an
/// empty override flattens a property into its parent (PyTorch's `nn.Sequential`).
open class Module {
    /// Training mode (dropout on, batch-norm statistics updated).
    public private(set) var training = true

    public init() {}

    /// Swift property name → checkpoint key.
    open var keyOverrides: [String: String] { [:] }

    /// Named children in declaration order: tensors and modules, arrays of modules numbered.
    public func namedChildren() -> [(String, Any)] {
        var result: [(String, Any)] = []
        let overrides = keyOverrides
        var mirror: Mirror? = Mirror(reflecting: self)
        var levels: [Mirror] = []
        while let m = mirror { levels.insert(m, at: 0); mirror = m.superclassMirror }
        for level in levels {
            for child in level.children {
                guard var label = child.label else { continue }
                if label.hasPrefix("_") { label.removeFirst() }
                if label == "training" { continue }
                let key = overrides[label] ?? label
                Self.collect(key: key, value: child.value, into: &result)
            }
        }
        return result
    }

    private static func collect(key: String, value: Any, into result: inout [(String, Any)]) {
        switch value {
        case let t as Tensor: result.append((key, t))
        case let m as Module: result.append((key, m))
        case let list as [Module]:
            for (i, m) in list.enumerated() { result.append((key.isEmpty ? "\(i)" : "\(key).\(i)", m)) }
        default:
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .optional, let wrapped = mirror.children.first?.value {
                collect(key: key, value: wrapped, into: &result)
            }
        }
    }

    /// Every tensor (parameters and buffers) with its dotted name, in declaration order.
    public func namedTensors(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        var result: [(String, Tensor)] = []
        for (key, value) in namedChildren() {
            let name = key.isEmpty ? prefix.dropLastDot : prefix + key
            if let t = value as? Tensor { result.append((name, t)) }
            if let m = value as? Module { result += m.namedTensors(prefix: name.isEmpty ? "" : name + ".") }
        }
        return result
    }

    /// Parameters: tensors that require grad (what an optimiser updates).
    public func parameters() -> [Tensor] { namedTensors().map(\.tensor).filter(\.requiresGrad) }

    /// Sub-modules, depth first, this one excluded.
    public func modules() -> [Module] {
        namedChildren().compactMap { $0.1 as? Module }.flatMap { [$0] + $0.modules() }
    }

    /// Number of scalar parameters (frozen ones included; buffers not).
    public var parameterCount: Int {
        let buffers = bufferIdentifiers
        return namedTensors().filter { !buffers.contains(ObjectIdentifier($0.tensor)) }.reduce(0) { $0 + $1.tensor.count }
    }

    /// Switches training mode for this module and all below it.
    public func train(_ on: Bool = true) {
        training = on
        for m in modules() { m.training = on }
    }
    /// Evaluation mode.
    public func eval() { train(false) }

    /// Stops (or restarts) gradient recording for every parameter — a frozen teacher, say.
    public func freeze(_ frozen: Bool = true) {
        for (_, t) in namedTensors() where t.dtype.isFloatingPoint && !isBuffer(t) { t.requiresGrad = !frozen }
    }

    private func isBuffer(_ t: Tensor) -> Bool { bufferIdentifiers.contains(ObjectIdentifier(t)) }
    /// Buffers registered by layers (running statistics), never trained.
    var bufferIdentifiers: Set<ObjectIdentifier> {
        Set(modules().flatMap { $0.ownBuffers }.map(ObjectIdentifier.init) + ownBuffers.map(ObjectIdentifier.init))
    }
    /// Tensors of this module that are buffers; layers with running statistics override it.
    open var ownBuffers: [Tensor] { [] }

    /// name → tensor.
    public func stateDict() -> [String: Tensor] {
        Dictionary(namedTensors().map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
    }

    /// Copies `weights` into this module's tensors (converting dtype and device), checking that
    /// every key and shape matches. With `strict` any missing or unexpected key is an error;
    /// a shape mismatch always is. Returns the keys the module has but `weights` lacked.
    @discardableResult
    public func load(_ weights: [String: Tensor], strict: Bool = true) throws -> [String] {
        let own = namedTensors()
        let ownNames = Set(own.map(\.name))
        let missing = own.map(\.name).filter { weights[$0] == nil }
        let unexpected = weights.keys.filter { !ownNames.contains($0) }.sorted()
        let mismatched = own.compactMap { name, t -> String? in
            guard let w = weights[name], w.shape != t.shape else { return nil }
            return "\(name) (checkpoint \(w.shape), model \(t.shape))"
        }
        if !mismatched.isEmpty || (strict && (!missing.isEmpty || !unexpected.isEmpty)) {
            throw TorchError.checkpointMismatch(missing: strict ? missing : [], unexpected: strict ? unexpected : [],
                                                mismatched: mismatched)
        }
        for (name, t) in own {
            guard let w = weights[name] else { continue }
            try t.assign(w.dtype == t.dtype && w.device == t.device ? w : w.to(t.device, dtype: t.dtype))
        }
        return missing
    }

    /// Moves every tensor to `device` and/or converts floating-point ones to `dtype`, in place.
    public func to(device: Device? = nil, dtype: DType? = nil) throws {
        for (_, t) in namedTensors() {
            let target = dtype.flatMap { t.dtype.isFloatingPoint ? $0 : nil }
            try t.setData(t.to(device ?? t.device, dtype: target))
        }
    }
}

extension Tensor {
    /// Replaces the storage behind this handle (PyTorch's `param.data = …`), keeping its identity.
    func setData(_ other: Tensor) throws {
        try checkStatus(vt_set_data(handle, other.handle), "set_data")
    }
}

private extension String {
    var dropLastDot: String { hasSuffix(".") ? String(dropLast()) : self }
}
