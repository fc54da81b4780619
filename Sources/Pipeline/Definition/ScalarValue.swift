import Yams

/// A YAML scalar typed the way pipeline files use it.
enum ScalarValue: Equatable {
    case null
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)

    /// Types a scalar by Yams' resolved tag; only canonical `true`/`false` count as bools
    /// (`yes`, `no`, `on`, `off` stay strings), and quoted scalars are always strings.
    init(_ node: Node) {
        let text = node.scalar?.string ?? ""
        switch node.resolvedTagName {
        case .null:
            self = .null
        case .int:
            self = node.int.map(ScalarValue.int) ?? .string(text)
        case .float:
            self = node.float.map(ScalarValue.double) ?? .string(text)
        case .bool:
            switch text {
            case "true", "True", "TRUE": self = .bool(true)
            case "false", "False", "FALSE": self = .bool(false)
            default: self = .string(text)
            }
        default:
            self = .string(text)
        }
    }
}

extension Node {
    /// The resolved tag's name (Yams keeps `Tag.name` internal; its description is the name).
    var resolvedTagName: Tag.Name { Tag.Name(rawValue: tag.description) }
}
