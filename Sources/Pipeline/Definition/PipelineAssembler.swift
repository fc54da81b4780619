import Foundation

/// Builds the final `PipelineDefinition` from a merged raw pipeline: vars, stages, dependency order.
enum PipelineAssembler {
    static func assemble(_ raw: RawPipeline, name: String, file: URL) throws -> PipelineDefinition {
        guard !raw.stages.keys.isEmpty else { throw raw.stagesNode.error("a pipeline needs at least one stage") }
        let vars = try buildVars(raw.vars)
        let builder = StageBuilder(expander: ReferenceExpander(vars: vars, stageNames: Set(raw.stages.keys)))
        let stages = try raw.stages.keys.map { try builder.build(raw.stages[$0]!) }
        var pipeline = PipelineDefinition(name: name, file: file, description: raw.description,
                                          vars: vars, stages: try DependencyOrder.sorted(stages))
        let expander = ReferenceExpander(vars: vars, stageNames: Set(raw.stages.keys))
        pipeline.executor = try raw.executor.map { try ExecutorKind.parse($0, expander: expander) }
        pipeline.slurm = try SlurmResources.parse(raw.slurm, expander: expander)
        return pipeline
    }

    /// Vars are scalars or lists of scalars, taken as written (no substitution inside vars).
    private static func buildVars(_ raw: OrderedEntries<LocatedNode>) throws -> [String: ParamValue] {
        var vars: [String: ParamValue] = [:]
        for (name, node) in raw {
            if let items = node.sequenceItems {
                vars[name] = .list(try items.map(literal))
            } else {
                vars[name] = try literal(node)
            }
        }
        return vars
    }

    private static func literal(_ node: LocatedNode) throws -> ParamValue {
        guard node.scalarText != nil else {
            throw node.error("a var must be a scalar or a list of scalars, found \(node.kindName)")
        }
        switch ScalarValue(node.node) {
        case .null: throw node.error("a var must have a value, found null")
        case .int(let value): return .int(value)
        case .double(let value): return .double(value)
        case .bool(let value): return .bool(value)
        case .string(let text): return .string(Template(text))
        }
    }
}
