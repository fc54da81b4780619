import Foundation

/// A value built by the unpickler: Python's data model reduced to what checkpoints contain.
///
/// Lists, dicts and objects are reference types because pickles fill them in after creating (and memoising) them.
indirect enum PickleValue {
    /// `None`.
    case none
    /// `True` / `False`.
    case bool(Bool)
    /// An int that fits 64 bits.
    case int(Int)
    /// An int wider than 64 bits, as little-endian two's complement bytes.
    case bigInt(Data)
    /// A float.
    case float(Double)
    /// A str.
    case string(String)
    /// A bytes / bytearray.
    case bytes(Data)
    /// A tuple.
    case tuple([PickleValue])
    /// A list (also used for sets).
    case list(PickleList)
    /// A dict (also OrderedDict), in insertion order.
    case dict(PickleDict)
    /// A class or function named by GLOBAL / STACK_GLOBAL, not yet called.
    case global(module: String, name: String)
    /// An instance of a class this reader does not interpret (or a TorchScript module), with its BUILD state.
    case object(PickleObject)
    /// A tensor storage loaded through a persistent id.
    case storage(TorchStorage)
    /// A tensor: a view into a storage.
    case tensor(TorchTensorView)
    /// A torch dtype object (`torch.float32`).
    case dtype(CheckpointDType)

    /// A short description for error messages.
    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case let .global(module, name): return "global \(module).\(name)"
        case let .object(object): return "object \(object.className)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        case .dtype: return "dtype"
        }
    }

    /// The elements of a tuple or list, or nil.
    var sequence: [PickleValue]? {
        switch self {
        case let .tuple(items): return items
        case let .list(list): return list.items
        default: return nil
        }
    }

    /// The int value, or nil.
    var intValue: Int? {
        if case let .int(value) = self { return value }
        if case let .bool(value) = self { return value ? 1 : 0 }
        return nil
    }

    /// The str value, or nil.
    var stringValue: String? {
        if case let .string(value) = self { return value }
        return nil
    }
}

/// A mutable Python list.
final class PickleList {
    /// Elements in order.
    var items: [PickleValue]
    init(_ items: [PickleValue] = []) { self.items = items }
}

/// A mutable Python dict that remembers insertion order (as both dict and OrderedDict do).
final class PickleDict {
    /// Key/value pairs in insertion order; a repeated key replaces the earlier value in place.
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var indexByKey: [String: Int] = [:]

    /// Sets `key` to `value`.
    func set(_ key: PickleValue, _ value: PickleValue) {
        if let identity = PickleDict.identity(of: key) {
            if let index = indexByKey[identity] {
                entries[index].value = value
                return
            }
            indexByKey[identity] = entries.count
        }
        entries.append((key, value))
    }

    /// The value for a str key, or nil.
    subscript(key: String) -> PickleValue? {
        indexByKey["s" + key].map { entries[$0].value }
    }

    /// A hashable stand-in for keys checkpoints use (str, int, bool, None, tuples of these); nil for others.
    private static func identity(of key: PickleValue) -> String? {
        switch key {
        case let .string(value): return "s" + value
        case let .int(value): return "i\(value)"
        case let .bool(value): return "i\(value ? 1 : 0)"
        case .none: return "n"
        case let .float(value): return "f\(value)"
        case let .tuple(items):
            let parts = items.map(identity(of:))
            if parts.contains(where: { $0 == nil }) { return nil }
            return "t(" + parts.map { $0! }.joined(separator: ",") + ")"
        default: return nil
        }
    }
}

/// An instance of a class the reader keeps opaque (or a TorchScript `__torch__` object).
final class PickleObject {
    /// `module.Class` of the instance.
    let className: String
    /// Arguments its constructor was called with.
    let arguments: [PickleValue]
    /// What BUILD set (`__setstate__` / `__dict__`), or nil.
    var state: PickleValue?

    init(className: String, arguments: [PickleValue]) {
        self.className = className
        self.arguments = arguments
    }
}

/// Raw bytes of one torch storage and how to read them.
struct TorchStorage {
    /// Storage key inside the archive (`data/<key>`).
    let key: String
    /// Element type of a typed storage; `.u8` for an untyped (byte) storage.
    let dtype: CheckpointDType
    /// The storage's bytes (a view into the mapped archive).
    let bytes: Data
}

/// A tensor as pickled: a strided view into a storage.
struct TorchTensorView {
    /// Where the elements live.
    let storage: TorchStorage
    /// Element type of the tensor (the storage's, unless the pickle named another for an untyped storage).
    let dtype: CheckpointDType
    /// Offset of the first element, in elements of `dtype`.
    let offset: Int
    /// Sizes.
    let shape: [Int]
    /// Strides in elements.
    let strides: [Int]
}
