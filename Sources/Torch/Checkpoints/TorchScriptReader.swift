import Core
import Foundation

/// What a TorchScript class declaration says about its attributes.
struct ScriptClassDeclaration {
    /// Whether the class is an `nn.Module` (has `__parameters__` / `__buffers__` lists).
    var isModule = false
    /// Attribute names that are parameters.
    var parameters: Set<String> = []
    /// Attribute names that are buffers.
    var buffers: Set<String> = []
    /// Whether the class lists its buffers; archives from PyTorch before `__buffers__` existed treat every tensor
    /// attribute that is not a parameter as a buffer.
    var listsBuffers = false

    /// Whether the tensor attribute `name` is part of the module's `state_dict()`.
    func isState(_ name: String) -> Bool {
        parameters.contains(name) || (listsBuffers ? buffers.contains(name) : isModule)
    }
}

/// Reads the class declarations in a TorchScript archive's `code/` folder.
///
/// `data.pkl` stores parameters, buffers and plain tensor attributes alike as object attributes; only the class
/// source (`__parameters__ = ["weight", "bias", ]`, `__buffers__ = [...]`) tells which belong in `state_dict()`.
enum ScriptClassDeclarations {
    /// Declarations by qualified class name (`__torch__.torch.nn.modules.linear.Linear`).
    static func read(from archive: TorchArchive) throws -> [String: ScriptClassDeclaration] {
        var classes: [String: ScriptClassDeclaration] = [:]
        let codeFolder = archive.prefix + "code/"
        for entry in archive.zip.entries where entry.name.hasPrefix(codeFolder) && entry.name.hasSuffix(".py") {
            // code/__torch__/torch/nn/modules/linear.py declares classes of module __torch__.torch.nn.modules.linear.
            let module = entry.name.dropFirst(codeFolder.count).dropLast(3).replacingOccurrences(of: "/", with: ".")
            let source = String(decoding: try archive.contents(of: entry, verify: true), as: UTF8.self)
            parse(source, module: module, into: &classes)
        }
        return classes
    }

    /// Collects `class X(...)` blocks and their `__parameters__` / `__buffers__` lines.
    static func parse(_ source: String, module: String, into classes: inout [String: ScriptClassDeclaration]) {
        var current: String?
        var bodyIndent: Int?
        for rawLine in source.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = rawLine.trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            let indent = line.prefix { $0 == " " }.count
            if indent == 0 {
                current = nil
                if line.hasPrefix("class ") {
                    let header = line.dropFirst("class ".count)
                    let name = header.prefix { $0 != "(" && $0 != ":" }.trimmingCharacters(in: .whitespaces)
                    let qualified = module + "." + name
                    if classes[qualified] == nil { classes[qualified] = ScriptClassDeclaration() }
                    current = qualified
                    bodyIndent = nil
                }
                continue
            }
            guard let className = current else { continue }
            // Only the class body's own lines declare; method bodies are indented further.
            if bodyIndent == nil { bodyIndent = indent }
            guard indent == bodyIndent else { continue }
            let body = line.dropFirst(indent)
            if body.hasPrefix("__parameters__") {
                classes[className]?.isModule = true
                classes[className]?.parameters.formUnion(quotedNames(in: String(body)))
            } else if body.hasPrefix("__buffers__") {
                classes[className]?.isModule = true
                classes[className]?.listsBuffers = true
                classes[className]?.buffers.formUnion(quotedNames(in: String(body)))
            }
        }
    }

    /// The double-quoted strings of a line like `__parameters__ = ["weight", "bias", ]`.
    private static func quotedNames(in line: String) -> [String] {
        let parts = line.split(separator: "\"", omittingEmptySubsequences: false)
        return stride(from: 1, to: parts.count, by: 2).map { String(parts[$0]) }
    }
}

/// Walks a TorchScript module object tree and names each tensor by its attribute path.
struct ScriptModuleWalker {
    private let file: String
    private let classes: [String: ScriptClassDeclaration]
    private let includeAttributes: Bool
    private var flattener: PickleFlattener
    private var visiting: Set<ObjectIdentifier> = []

    /// Prepares a walk; with `includeAttributes`, plain tensor attributes (not parameters or buffers) are kept too.
    init(archive: TorchArchive, classes: [String: ScriptClassDeclaration], includeAttributes: Bool) {
        self.file = archive.file
        self.classes = classes
        self.includeAttributes = includeAttributes
        self.flattener = PickleFlattener(file: archive.file, bigEndian: archive.bigEndian)
    }

    /// The tensors found so far.
    var tensors: [String: CheckpointTensor] { flattener.tensors }

    /// Visits a `__torch__` object at `path`.
    mutating func walk(_ object: PickleObject, path: [String]) throws {
        let identity = ObjectIdentifier(object)
        guard visiting.insert(identity).inserted else { return }
        defer { visiting.remove(identity) }
        let declaration = classes[object.className]
        guard case let .dict(state)? = object.state else {
            // A class with __getstate__ pickles a custom state; it is not state_dict material unless we know nothing.
            if declaration == nil || includeAttributes, let state = object.state {
                try collect(state, path: path)
            }
            return
        }
        for (key, value) in state.entries {
            guard let component = PickleFlattener.component(key) else { continue }
            let childPath = path + [component]
            switch value {
            case let .object(child) where child.className.hasPrefix("__torch__."):
                try walk(child, path: childPath)
            case let .tensor(view):
                if declaration?.isState(component) ?? true || includeAttributes {
                    try flattener.addTensor(view, path: childPath)
                }
            case let .object(other) where PickleFlattener.isUnsupportedTensor(other):
                if declaration?.isState(component) ?? true || includeAttributes {
                    throw CheckpointError.unsupportedDType(file: file, tensor: PickleFlattener.join(childPath),
                                                           dtype: "a tensor rebuilt by \(other.className) (quantized, sparse, nested or device-only tensors are not supported)")
                }
            default:
                // Lists/dicts of tensors are attributes, never state_dict entries of a declared module.
                if declaration == nil || includeAttributes { try collect(value, path: childPath) }
            }
        }
    }

    /// Collects tensors (not scalars) nested in containers, descending into `__torch__` objects as modules.
    private mutating func collect(_ value: PickleValue, path: [String]) throws {
        switch value {
        case let .tensor(view):
            try flattener.addTensor(view, path: path)
        case let .object(child) where child.className.hasPrefix("__torch__."):
            try walk(child, path: path)
        case let .list(list):
            for (index, item) in list.items.enumerated() { try collect(item, path: path + [String(index)]) }
        case let .tuple(items):
            for (index, item) in items.enumerated() { try collect(item, path: path + [String(index)]) }
        case let .dict(dict):
            for (key, item) in dict.entries {
                guard let component = PickleFlattener.component(key) else { continue }
                try collect(item, path: path + [component])
            }
        default:
            break
        }
    }
}
