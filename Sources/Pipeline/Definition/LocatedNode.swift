import Yams

/// A YAML node together with the file it came from and its dotted key path, for precise errors.
struct LocatedNode {
    let node: Node
    let file: String
    let keyPath: String

    /// The node's 1-based position (1:1 when Yams gives none).
    var location: SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    /// An error located at this node and naming its key path.
    func error(_ message: String) -> PipelineError {
        PipelineError(location: location, key: keyPath, message: message)
    }

    /// The key path of a child entry.
    func path(_ key: String) -> String {
        keyPath.isEmpty ? key : keyPath + "." + key
    }

    /// True for a YAML null (`~`, `null` or nothing).
    var isNull: Bool {
        if case .scalar = node, node.resolvedTagName == .null { return true }
        return false
    }

    /// The entries of a mapping in file order, keys as text; non-scalar and duplicate keys are errors.
    func mappingEntries(_ what: String) throws -> [(key: String, keyNode: LocatedNode, value: LocatedNode)] {
        guard case .mapping(let mapping) = node else {
            throw error("\(what) must be a mapping, found \(kindName)")
        }
        var seen: Set<String> = []
        return try mapping.map { entry in
            let keyNode = LocatedNode(node: entry.key, file: file, keyPath: keyPath)
            guard case .scalar(let scalar) = entry.key else {
                throw keyNode.error("keys of \(what) must be plain names")
            }
            let key = scalar.string
            let located = LocatedNode(node: entry.key, file: file, keyPath: path(key))
            guard seen.insert(key).inserted else { throw located.error("duplicate key '\(key)'") }
            return (key, located, LocatedNode(node: entry.value, file: file, keyPath: path(key)))
        }
    }

    /// The items of a sequence, with key paths `path[index]`; nil when the node is not a sequence.
    var sequenceItems: [LocatedNode]? {
        guard case .sequence(let sequence) = node else { return nil }
        return sequence.enumerated().map { index, item in
            LocatedNode(node: item, file: file, keyPath: "\(keyPath)[\(index)]")
        }
    }

    /// The raw text of a scalar; nil for mappings and sequences.
    var scalarText: String? {
        if case .scalar(let scalar) = node { return scalar.string }
        return nil
    }

    /// A short name for the node's shape, for messages.
    var kindName: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar: return isNull ? "null" : "a scalar"
        }
    }
}
