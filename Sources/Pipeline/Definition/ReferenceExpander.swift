/// Substitutes `${var}` and recognises `${stage.out}` in the string values of a pipeline.
struct ReferenceExpander {
    /// What a string value becomes.
    enum Expansion {
        /// The whole string was exactly `${var}`: the var's value, type kept.
        case value(ParamValue)
        /// Text with vars substituted, possibly referring to stage outputs.
        case template(Template)
    }

    /// One `${…}` reference or a run of literal text.
    private enum Piece {
        case text(String)
        case variable(String)
        case stageOutput(String)
    }

    let vars: [String: ParamValue]
    let stageNames: Set<String>

    /// Expands a string value written at `node`.
    func expand(_ text: String, at node: LocatedNode) throws -> Expansion {
        let pieces = try scan(text, at: node)
        if pieces.count == 1, case .variable(let name) = pieces[0] {
            return .value(try value(of: name, at: node))
        }
        var parts: [Template.Part] = []
        for piece in pieces {
            switch piece {
            case .text(let text):
                parts.append(.text(text))
            case .variable(let name):
                let value = try value(of: name, at: node)
                if case .list = value {
                    throw node.error("var '\(name)' is a list and cannot be used inside text")
                }
                parts.append(.text(value.description))
            case .stageOutput(let stage):
                guard stageNames.contains(stage) else { throw node.error("unknown stage '\(stage)' in '${\(stage).out}'") }
                parts.append(.stageOutput(stage))
            }
        }
        return .template(Template(parts: parts))
    }

    /// A scalar's typed value; strings are expanded.
    func scalar(_ node: LocatedNode) throws -> ParamValue {
        switch ScalarValue(node.node) {
        case .null: throw node.error("a value is required here, found null")
        case .int(let value): return .int(value)
        case .double(let value): return .double(value)
        case .bool(let value): return .bool(value)
        case .string(let text):
            switch try expand(text, at: node) {
            case .value(let value): return value
            case .template(let template): return .string(template)
            }
        }
    }

    /// A scalar's text with vars substituted, where stage outputs make no sense (run words, versions, names).
    func text(_ node: LocatedNode) throws -> String {
        guard let raw = node.scalarText, !node.isNull else {
            throw node.error("expected text, found \(node.kindName)")
        }
        return try text(raw, at: node)
    }

    /// `text` with vars substituted, as written at `node`; stage outputs are not allowed.
    func text(_ text: String, at node: LocatedNode) throws -> String {
        switch try expand(text, at: node) {
        case .value(.list):
            throw node.error("expected text, but the var is a list")
        case .value(let value):
            return value.description
        case .template(let template):
            if let stage = template.stageReferences.first {
                throw node.error("'${\(stage).out}' cannot be used here")
            }
            return template.description
        }
    }

    private func value(of name: String, at node: LocatedNode) throws -> ParamValue {
        guard let value = vars[name] else { throw node.error("unknown var '\(name)'") }
        return value
    }

    /// Splits text into literal runs and `${…}` references; a `$` not followed by `{` is literal.
    private func scan(_ text: String, at node: LocatedNode) throws -> [Piece] {
        var pieces: [Piece] = []
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            pieces.append(.text(String(rest[..<open.lowerBound])))
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw node.error("unterminated '${' in '\(text)'")
            }
            let inner = String(rest[open.upperBound..<close])
            if inner.hasSuffix(".out"), Names.isStageOrVarName(String(inner.dropLast(4))) {
                pieces.append(.stageOutput(String(inner.dropLast(4))))
            } else if Names.isStageOrVarName(inner) {
                pieces.append(.variable(inner))
            } else {
                throw node.error("malformed reference '${\(inner)}' (use ${var} or ${stage.out})")
            }
            rest = rest[rest.index(after: close)...]
        }
        pieces.append(.text(String(rest)))
        return pieces.filter { if case .text(let text) = $0 { return !text.isEmpty } else { return true } }
    }
}
