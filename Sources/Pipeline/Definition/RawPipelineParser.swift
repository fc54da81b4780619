/// Checks the shape of one pipeline file (allowed keys, names, nesting) and collects its raw values.
enum RawPipelineParser {
    static let topLevelKeys = ["description", "extends", "vars", "executor", "slurm", "stages"]
    static let stageKeys = ["run", "kind", "version", "processes", "executor", "slurm", "inputs", "params", "description"]

    static func parse(_ root: LocatedNode) throws -> RawPipeline {
        let entries = try root.mappingEntries("a pipeline file")
        var raw = RawPipeline(stagesNode: root)
        for entry in entries where entry.key == "extends" {
            guard let text = entry.value.scalarText, !entry.value.isNull, !text.isEmpty else {
                throw entry.value.error("extends must be a file path")
            }
            raw.extends = entry.value
        }
        // Nulls remove a base's entry; without a base there is nothing to remove.
        let nullRemoves = raw.extends != nil
        var sawStages = false
        for entry in entries {
            switch entry.key {
            case "description":
                raw.description = try text(entry.value)
            case "extends":
                break
            case "vars":
                raw.vars = try vars(entry.value)
            case "executor":
                raw.executor = entry.value
            case "slurm":
                raw.slurm = try slurm(entry.value, nullRemoves: nullRemoves)
            case "stages":
                sawStages = true
                raw.stagesNode = entry.value
                raw.stages = try stages(entry.value, nullRemoves: nullRemoves)
            default:
                throw entry.keyNode.error(unknownKey(entry.key, allowed: topLevelKeys))
            }
        }
        if !sawStages && !nullRemoves {
            throw PipelineError(location: root.location, key: "stages", message: "missing required key 'stages'")
        }
        return raw
    }

    static func unknownKey(_ key: String, allowed: [String]) -> String {
        "unknown key '\(key)' (allowed: \(allowed.joined(separator: ", ")))"
    }

    private static func text(_ node: LocatedNode) throws -> String {
        guard let text = node.scalarText, !node.isNull else {
            throw node.error("expected text, found \(node.kindName)")
        }
        return text
    }

    private static func vars(_ node: LocatedNode) throws -> OrderedEntries<LocatedNode> {
        var vars = OrderedEntries<LocatedNode>()
        for entry in try node.mappingEntries("vars") {
            guard Names.isStageOrVarName(entry.key) else {
                throw entry.keyNode.error("invalid var name '\(entry.key)' (use [a-z0-9][a-z0-9_-]*)")
            }
            vars[entry.key] = entry.value
        }
        return vars
    }

    private static func stages(_ node: LocatedNode, nullRemoves: Bool) throws -> OrderedEntries<RawStage> {
        var stages = OrderedEntries<RawStage>()
        for entry in try node.mappingEntries("stages") {
            guard Names.isStageOrVarName(entry.key) else {
                throw entry.keyNode.error("invalid stage name '\(entry.key)' (use [a-z0-9][a-z0-9_-]*)")
            }
            stages[entry.key] = try stage(entry.key, at: entry.keyNode, body: entry.value, nullRemoves: nullRemoves)
        }
        return stages
    }

    private static func stage(_ name: String, at keyNode: LocatedNode, body: LocatedNode,
                              nullRemoves: Bool) throws -> RawStage {
        var stage = RawStage(name: name, location: keyNode.location)
        for entry in try body.mappingEntries("a stage") {
            if entry.value.isNull && entry.key != "inputs" && entry.key != "params" {
                throw entry.value.error("'\(entry.key)' must not be null")
            }
            switch entry.key {
            case "run": stage.run = entry.value
            case "kind": stage.kind = entry.value
            case "version": stage.version = entry.value
            case "processes": stage.processes = entry.value
            case "executor": stage.executor = entry.value
            case "slurm": stage.slurm = try slurm(entry.value, nullRemoves: nullRemoves)
            case "description": stage.description = entry.value
            case "inputs": stage.inputs = try options(entry.value, what: "inputs", nullRemoves: nullRemoves)
            case "params": stage.params = try options(entry.value, what: "params", nullRemoves: nullRemoves)
            default: throw entry.keyNode.error(unknownKey(entry.key, allowed: stageKeys))
            }
        }
        return stage
    }

    /// A `slurm:` block: known keys only (their values are checked when the pipeline is assembled).
    private static func slurm(_ node: LocatedNode, nullRemoves: Bool) throws -> OrderedEntries<LocatedNode> {
        var entries = OrderedEntries<LocatedNode>()
        for entry in try node.mappingEntries("slurm") {
            guard SlurmResources.keys.contains(entry.key) else {
                throw entry.keyNode.error(unknownKey(entry.key, allowed: SlurmResources.keys))
            }
            if entry.value.isNull && !nullRemoves {
                throw entry.value.error("null is only allowed in a file with 'extends', to remove the base's entry")
            }
            entries[entry.key] = entry.value
        }
        return entries
    }

    private static func options(_ node: LocatedNode, what: String, nullRemoves: Bool) throws -> OrderedEntries<LocatedNode> {
        var options = OrderedEntries<LocatedNode>()
        if node.isNull { return options }
        for entry in try node.mappingEntries(what) {
            guard Names.isOptionName(entry.key) else {
                throw entry.keyNode.error("invalid option name '\(entry.key)' (use [a-z0-9][a-z0-9-]*)")
            }
            if entry.value.isNull && !nullRemoves {
                throw entry.value.error("null is only allowed in a file with 'extends', to remove the base's entry")
            }
            options[entry.key] = entry.value
        }
        return options
    }
}
