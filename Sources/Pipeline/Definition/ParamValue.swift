/// The value of a stage parameter or a pipeline var: a scalar or a flat list of scalars.
public indirect enum ParamValue: Equatable, Sendable, CustomStringConvertible {
    /// Text, possibly referring to stage output folders through `${stage.out}`.
    case string(Template)
    /// A YAML integer.
    case int(Int)
    /// A YAML float.
    case double(Double)
    /// A YAML `true` or `false`.
    case bool(Bool)
    /// A YAML sequence of scalars.
    case list([ParamValue])

    /// The stage names this value refers to through `${stage.out}`, unique, in order of mention.
    public var stageReferences: [String] {
        switch self {
        case .string(let template): return template.stageReferences
        case .int, .double, .bool: return []
        case .list(let items):
            var seen: [String] = []
            for name in items.flatMap(\.stageReferences) where !seen.contains(name) { seen.append(name) }
            return seen
        }
    }

    /// The value as text: ints plainly, doubles in Swift's shortest form, bools as `true`/`false`, lists as `[a, b]`.
    public var description: String {
        switch self {
        case .string(let template): return template.description
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }
}
