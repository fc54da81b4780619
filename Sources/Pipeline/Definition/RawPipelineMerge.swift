/// Applies a file with `extends` on top of its (already merged) base.
enum RawPipelineMerge {
    /// Vars: the child wins. Stages in both: keys the child gives replace the base's, inputs and params
    /// merge key by key (null deletes). New stages come after the base's, in the child's order.
    static func merge(base: RawPipeline, child: RawPipeline) -> RawPipeline {
        var result = base
        result.extends = nil
        if let description = child.description { result.description = description }
        for (name, value) in child.vars { result.vars[name] = value }
        result.executor = child.executor ?? base.executor
        result.slurm = apply(child.slurm, to: base.slurm)
        if child.stagesNode.keyPath == "stages" { result.stagesNode = child.stagesNode }
        for (name, override) in child.stages {
            var stage = result.stages[name] ?? RawStage(name: name, location: override.location)
            stage.run = override.run ?? stage.run
            stage.kind = override.kind ?? stage.kind
            stage.version = override.version ?? stage.version
            stage.processes = override.processes ?? stage.processes
            stage.executor = override.executor ?? stage.executor
            stage.slurm = apply(override.slurm, to: stage.slurm)
            stage.description = override.description ?? stage.description
            stage.inputs = apply(override.inputs, to: stage.inputs)
            stage.params = apply(override.params, to: stage.params)
            result.stages[name] = stage
        }
        return result
    }

    private static func apply(_ overrides: OrderedEntries<LocatedNode>,
                              to base: OrderedEntries<LocatedNode>) -> OrderedEntries<LocatedNode> {
        var merged = base
        for (key, value) in overrides {
            merged[key] = value.isNull ? nil : value
        }
        return merged
    }
}
