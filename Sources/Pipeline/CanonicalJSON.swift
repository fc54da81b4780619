import Core
import Foundation

/// A JSON value written one way only (keys sorted, no spaces, numbers in Swift's shortest form),
/// so equal parameters always give equal bytes and so equal fingerprints.
indirect enum CanonicalJSON: Equatable, Sendable {
    case string(String), int(Int), double(Double), bool(Bool), array([CanonicalJSON]), object([String: CanonicalJSON]), null

    var text: String {
        switch self {
        case .string(let s): return JSONText.quoted(s)
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? "\(d)" : JSONText.quoted("\(d)")
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let values): return "[" + values.map(\.text).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.keys.sorted().map { JSONText.quoted($0) + ":" + members[$0]!.text }.joined(separator: ",") + "}"
        }
    }

    /// A parameter value as JSON; `${S.out}` references stay as written, so the bytes do not
    /// depend on where the cache lives.
    init(_ value: ParamValue) {
        switch value {
        case .string(let template): self = .string(template.description)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .bool(let b): self = .bool(b)
        case .list(let values): self = .array(values.map(CanonicalJSON.init))
        }
    }
}
