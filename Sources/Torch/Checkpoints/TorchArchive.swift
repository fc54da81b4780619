import Core
import Foundation

/// A PyTorch zip archive (`torch.save` ≥ 1.6 or `torch.jit.save`): the zip plus the folder its entries live in.
///
/// Every entry sits under one folder whose name the writer chose (`archive/`, `ViT-B-32/`, the file's stem), so it
/// is found from where `data.pkl` is rather than assumed.
struct TorchArchive {
    /// The zip.
    let zip: ZipArchive
    /// The common folder with its trailing slash (`archive/`), or empty for entries at the root.
    let prefix: String
    /// Whether storages were written big-endian (`byteorder` entry says `big`).
    let bigEndian: Bool

    /// The path used in errors.
    var file: String { zip.file }

    /// Opens the archive held in `data` and finds its folder.
    init(data: Data, file: String) throws {
        let zip: ZipArchive
        do { zip = try ZipArchive(data: data, file: file) } catch let error as ZipError { throw CheckpointError(error) }
        let pickles = zip.entries.map(\.name).filter { name in
            name == "data.pkl" || (name.hasSuffix("/data.pkl") && name.dropLast("/data.pkl".count).firstIndex(of: "/") == nil)
        }
        guard let pickle = pickles.first else {
            if zip.entries.contains(where: { $0.name.hasSuffix("model.json") }) {
                throw CheckpointError.badZip(file: file, reason: "TorchScript archive from PyTorch < 1.4 (model.json, no data.pkl); re-save it with a newer torch.jit.save")
            }
            throw CheckpointError.missingEntry(file: file, entry: "<archive>/data.pkl")
        }
        self.zip = zip
        self.prefix = String(pickle.dropLast("data.pkl".count))
        if let order = zip.entry(named: prefix + "byteorder") {
            let text = String(decoding: try TorchArchive.contents(of: order, in: zip, verify: true), as: UTF8.self)
            bigEndian = text.trimmingCharacters(in: .whitespacesAndNewlines) == "big"
        } else {
            bigEndian = false
        }
    }

    /// Whether this is a TorchScript archive (`torch.jit.save`) rather than a `torch.save` one.
    var isTorchScript: Bool {
        zip.entry(named: prefix + "constants.pkl") != nil || zip.entries.contains { $0.name.hasPrefix(prefix + "code/") }
    }

    /// The contents of an entry given relative to the archive folder; throws `missingEntry` if absent.
    func contents(of relativeName: String, verify: Bool = false) throws -> Data {
        guard let entry = zip.entry(named: prefix + relativeName) else {
            throw CheckpointError.missingEntry(file: file, entry: prefix + relativeName)
        }
        return try contents(of: entry, verify: verify)
    }

    /// The contents of one of the zip's entries, zip errors given as checkpoint errors.
    func contents(of entry: ZipEntry, verify: Bool = false) throws -> Data {
        try TorchArchive.contents(of: entry, in: zip, verify: verify)
    }

    private static func contents(of entry: ZipEntry, in zip: ZipArchive, verify: Bool) throws -> Data {
        do { return try zip.contents(of: entry, verify: verify) } catch let error as ZipError { throw CheckpointError(error) }
    }

    /// Unpickles `data.pkl` with torch's globals and storages.
    func loadDataPickle() throws -> PickleValue {
        let pickle = try contents(of: "data.pkl", verify: true)
        var unpickler = Unpickler(data: pickle, file: file, entry: prefix + "data.pkl", host: TorchPickleHost(archive: self))
        return try unpickler.load()
    }
}

/// Resolves torch's persistent ids and rebuild functions for the unpickler.
final class TorchPickleHost: PickleHost {
    private let archive: TorchArchive
    private var storages: [String: TorchStorage] = [:]

    init(archive: TorchArchive) {
        self.archive = archive
    }

    /// `('storage', StorageType, key, location, numel)` → the storage's bytes in `data/<key>`.
    func persistentLoad(_ id: PickleValue) throws -> PickleValue {
        guard let fields = id.sequence, fields.count >= 5, fields[0].stringValue == "storage" else {
            throw PickleHostFailure(reason: "expected ('storage', type, key, location, numel), got a \(id.kind)")
        }
        guard let key = fields[2].stringValue ?? fields[2].intValue.map(String.init) else {
            throw PickleHostFailure(reason: "storage key is a \(fields[2].kind)")
        }
        if let cached = storages[key] { return .storage(cached) }
        let dtype: CheckpointDType
        switch fields[1] {
        case let .global(module, name):
            if name == "UntypedStorage" {
                dtype = .u8
            } else if let typed = CheckpointDType(torchStorageType: name) {
                dtype = typed
            } else {
                throw CheckpointError.unsupportedDType(file: archive.file, tensor: "storage \(key)", dtype: "\(module).\(name)")
            }
        case let .dtype(typed):
            dtype = typed
        default:
            throw PickleHostFailure(reason: "storage type is a \(fields[1].kind)")
        }
        guard let count = fields[4].intValue, count >= 0 else {
            throw PickleHostFailure(reason: "storage element count is a \(fields[4].kind)")
        }
        let bytes = try archive.contents(of: "data/\(key)")
        guard bytes.count >= count * dtype.byteSize else {
            throw CheckpointError.truncated(file: archive.file, detail: "storage \(archive.prefix)data/\(key) has \(bytes.count) bytes, its pickle says \(count) × \(dtype.byteSize)")
        }
        let storage = TorchStorage(key: key, dtype: dtype, bytes: bytes)
        storages[key] = storage
        return .storage(storage)
    }

    func call(module: String, name: String, arguments: [PickleValue], isNewObject: Bool) throws -> PickleValue {
        switch (module, name) {
        case ("collections", "OrderedDict"), ("builtins", "dict"), ("__builtin__", "dict"):
            let dict = PickleDict()
            // OrderedDict(list_of_pairs) is legal; torch pickles `OrderedDict()` and fills it with SETITEMS.
            for pair in arguments.first?.sequence ?? [] {
                if let items = pair.sequence, items.count == 2 { dict.set(items[0], items[1]) }
            }
            return .dict(dict)
        case ("torch._utils", "_rebuild_tensor"), ("torch._utils", "_rebuild_tensor_v2"):
            return .tensor(try tensor(arguments, explicitDType: nil))
        case ("torch._utils", "_rebuild_tensor_v3"):
            guard arguments.count >= 7 else { throw PickleHostFailure(reason: "expected 7 arguments, got \(arguments.count)") }
            return .tensor(try tensor(arguments, explicitDType: try dtype(arguments[6])))
        case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"):
            guard let data = arguments.first else { throw PickleHostFailure(reason: "no data argument") }
            return data
        case ("torch._tensor", "_rebuild_from_type"), ("torch._tensor", "_rebuild_from_type_v2"):
            // (func, subclass, args[, state]): rebuild the plain tensor; the Python subclass and its state do not matter here.
            guard arguments.count >= 3, case let .global(innerModule, innerName) = arguments[0],
                  let innerArguments = arguments[2].sequence else {
                throw PickleHostFailure(reason: "expected (function, type, arguments, …)")
            }
            return try call(module: innerModule, name: innerName, arguments: innerArguments, isNewObject: false)
        case ("torch", "Size"), ("torch.jit._pickle", "restore_type_tag"):
            return arguments.first ?? .tuple([])
        case ("torch.jit._pickle", _) where name.hasPrefix("build_"):
            // build_intlist, build_tensorlist, …: TorchScript's typed lists.
            return .list(PickleList(arguments.first?.sequence ?? []))
        case ("builtins", "set"), ("builtins", "frozenset"), ("__builtin__", "set"), ("__builtin__", "frozenset"):
            return .list(PickleList(arguments.first?.sequence ?? []))
        case ("_codecs", "encode"):
            // Protocol 2 pickles bytes as _codecs.encode(str, 'latin1').
            guard let text = arguments.first?.stringValue else { return .bytes(Data()) }
            return .bytes(Data(text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }))
        case ("copyreg", "_reconstructor"):
            // copyreg._reconstructor(cls, base, state): how protocol-2 pickles whole Python objects (nn.Module).
            if case let .global(classModule, className) = arguments.first {
                return .object(PickleObject(className: "\(classModule).\(className)", arguments: []))
            }
            return .object(PickleObject(className: "copyreg._reconstructor", arguments: arguments))
        default:
            return .object(PickleObject(className: "\(module).\(name)", arguments: arguments))
        }
    }

    private func dtype(_ value: PickleValue) throws -> CheckpointDType {
        switch value {
        case let .dtype(dtype): return dtype
        case let .global(module, name) where module == "torch":
            guard let dtype = CheckpointDType(torchDTypeName: name) else {
                throw CheckpointError.unsupportedDType(file: archive.file, tensor: "(tensor being unpickled)", dtype: "torch.\(name)")
            }
            return dtype
        default:
            throw PickleHostFailure(reason: "dtype argument is a \(value.kind)")
        }
    }

    /// `(storage, storage_offset, size, stride, …)` → a view; bounds are checked when the tensor is materialised.
    private func tensor(_ arguments: [PickleValue], explicitDType: CheckpointDType?) throws -> TorchTensorView {
        guard arguments.count >= 4 else { throw PickleHostFailure(reason: "expected at least 4 arguments, got \(arguments.count)") }
        guard case let .storage(storage) = arguments[0] else {
            throw PickleHostFailure(reason: "first argument is a \(arguments[0].kind), not a storage")
        }
        guard let offset = arguments[1].intValue,
              let shape = arguments[2].sequence?.compactMap(\.intValue), shape.count == arguments[2].sequence?.count,
              let strides = arguments[3].sequence?.compactMap(\.intValue), strides.count == arguments[3].sequence?.count else {
            throw PickleHostFailure(reason: "storage offset, size and stride must be ints")
        }
        return TorchTensorView(storage: storage, dtype: explicitDType ?? storage.dtype, offset: offset, shape: shape, strides: strides)
    }
}
