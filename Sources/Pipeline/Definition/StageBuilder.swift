/// Turns one raw stage into a `StageDefinition`: types values, substitutes vars, classifies inputs.
struct StageBuilder {
    let expander: ReferenceExpander

    func build(_ raw: RawStage) throws -> StageDefinition {
        let stagePath = "stages.\(raw.name)"
        guard let run = raw.run else {
            throw PipelineError(location: raw.location, key: stagePath + ".run", message: "missing required key 'run'")
        }
        var stage = StageDefinition(name: raw.name, command: try command(run), location: raw.location)
        stage.kind = try raw.kind.map(kind)
        stage.version = try raw.version.map(expander.text)
        stage.processes = try raw.processes.map { node in
            guard case .int(let count) = try param(node), count >= 1 else {
                throw node.error("'processes' must be a whole number of at least 1")
            }
            return count
        }
        stage.executor = try raw.executor.map { try ExecutorKind.parse($0, expander: expander) }
        stage.slurm = try SlurmResources.parse(raw.slurm, expander: expander)
        stage.description = try raw.description.map { node in
            guard let text = node.scalarText else { throw node.error("expected text, found \(node.kindName)") }
            return text
        }
        stage.inputs = try raw.inputs.map { option, node in
            InputBinding(option: option, source: try input(node), location: node.location)
        }
        stage.params = try raw.params.map { key, node in
            if let input = raw.inputs[key] {
                throw node.error("'\(key)' is given both as an input (line \(input.location.line)) and as a param")
            }
            return ParamBinding(key: key, value: try param(node), location: node.location)
        }
        var dependencies: [String] = []
        let mentions = zip(stage.inputs, raw.inputs).compactMap { binding, entry -> (String, LocatedNode)? in
            if case .stage(let name, _) = binding.source { return (name, entry.value) }
            return nil
        } + zip(stage.params, raw.params).flatMap { binding, entry in
            binding.value.stageReferences.map { ($0, entry.value) }
        }
        for (name, node) in mentions where !dependencies.contains(name) {
            if name == raw.name { throw node.error("stage '\(name)' depends on itself") }
            dependencies.append(name)
        }
        stage.dependencies = dependencies
        return stage
    }

    /// `run`: a string split on spaces, or a list of words.
    private func command(_ node: LocatedNode) throws -> [String] {
        let words: [String]
        if let items = node.sequenceItems {
            words = try items.map { item in
                guard item.scalarText != nil else { throw item.error("run words must be strings, found \(item.kindName)") }
                return try expander.text(item)
            }
        } else {
            guard let text = node.scalarText else { throw node.error("run must be a string or a list of strings") }
            words = try text.split(separator: " ").map { try expander.text(String($0), at: node) }
        }
        guard !words.isEmpty, !words.contains(where: \.isEmpty) else { throw node.error("run must name an executable") }
        return words
    }

    private func kind(_ node: LocatedNode) throws -> StageKind {
        guard let text = node.scalarText, let kind = StageKind(rawValue: text) else {
            throw node.error("kind must be 'items' or 'whole', found '\(node.scalarText ?? node.kindName)'")
        }
        return kind
    }

    /// A param: a scalar or a list of scalars.
    private func param(_ node: LocatedNode) throws -> ParamValue {
        if let items = node.sequenceItems {
            return .list(try items.map { item in
                guard item.scalarText != nil else {
                    throw item.error("list items must be scalars, found \(item.kindName)")
                }
                let value = try expander.scalar(item)
                if case .list = value { throw item.error("a list cannot be nested in a list") }
                return value
            })
        }
        guard node.scalarText != nil else {
            throw node.error("a param must be a scalar or a list of scalars, found \(node.kindName)")
        }
        return try expander.scalar(node)
    }

    /// An input: a stage name or path string, or a mapping with `path:`/`name:` or `stage:`/`file:`.
    private func input(_ node: LocatedNode) throws -> InputSource {
        if case .mapping = node.node { return try explicitInput(node) }
        guard let raw = node.scalarText, case .string = ScalarValue(node.node) else {
            let found = node.isNull || node.scalarText == nil ? node.kindName : "'\(node.scalarText!)'"
            throw node.error("an input must be a path, a stage name or a mapping, found \(found)")
        }
        let template: Template
        switch try expander.expand(raw, at: node) {
        case .value(.list): throw node.error("an input cannot be a list")
        case .value(.string(let value)): template = value
        case .value(let value): template = Template(value.description)
        case .template(let value): template = value
        }
        return try classify(template, at: node)
    }

    /// `${S.out}…` or a first path component naming a stage → that stage; anything else → an external path.
    private func classify(_ template: Template, at node: LocatedNode) throws -> InputSource {
        guard let first = template.parts.first else { throw node.error("an input must not be empty") }
        let rest = template.parts.dropFirst()
        if rest.contains(where: { if case .stageOutput = $0 { return true } else { return false } }) {
            throw node.error("an input may refer to a stage output only once, at its start")
        }
        let tail = rest.map { part -> String in if case .text(let text) = part { return text } else { return "" } }.joined()
        switch first {
        case .stageOutput(let stage):
            return .stage(stage, file: fileInside(tail))
        case .text(let text):
            let components = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            if let head = components.first, expander.stageNames.contains(String(head)) {
                return .stage(String(head), file: fileInside(components.count > 1 ? String(components[1]) : ""))
            }
            return .path(text, identity: nil)
        }
    }

    private func fileInside(_ tail: String) -> String? {
        let file = String(tail.drop { $0 == "/" })
        return file.isEmpty ? nil : file
    }

    private func explicitInput(_ node: LocatedNode) throws -> InputSource {
        var fields: [String: String] = [:]
        for entry in try node.mappingEntries("an input") {
            guard ["path", "name", "stage", "file"].contains(entry.key) else {
                throw entry.keyNode.error(RawPipelineParser.unknownKey(entry.key, allowed: ["path", "name", "stage", "file"]))
            }
            let text = try expander.text(entry.value)
            if entry.key == "stage", !expander.stageNames.contains(text) {
                throw entry.value.error("unknown stage '\(text)'")
            }
            fields[entry.key] = text
        }
        switch (fields["path"], fields["stage"]) {
        case (let path?, nil) where fields["file"] == nil:
            return .path(path, identity: fields["name"])
        case (nil, let stage?) where fields["name"] == nil:
            return .stage(stage, file: fields["file"].flatMap(fileInside))
        default:
            throw node.error("an input mapping needs either 'path' (and optional 'name') or 'stage' (and optional 'file')")
        }
    }
}

private extension OrderedEntries {
    func map<T>(_ transform: (String, Value) throws -> T) rethrows -> [T] {
        try keys.map { try transform($0, self[$0]!) }
    }
}
