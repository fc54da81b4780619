import Foundation

/// A pipeline loaded from a YAML file: its vars and its stages in dependency order.
public struct PipelineDefinition: Equatable, Sendable {
    /// The pipeline's name: the stem of the file it was loaded from.
    public var name: String
    /// The file it was loaded from.
    public var file: URL
    /// Free text describing the pipeline.
    public var description: String?
    /// The vars, after `extends` merging.
    public var vars: [String: ParamValue]
    /// Where stages run unless they say (`executor:`).
    public var executor: ExecutorKind?
    /// Slurm resources for every stage (`slurm:`); a stage's own entries win.
    public var slurm = SlurmResources()
    /// The stages in topological order, keeping file order where dependencies allow.
    public var stages: [StageDefinition]

    /// Creates a pipeline definition.
    public init(name: String, file: URL, description: String? = nil,
                vars: [String: ParamValue] = [:], stages: [StageDefinition]) {
        self.name = name
        self.file = file
        self.description = description
        self.vars = vars
        self.stages = stages
    }

    /// The stage with the given name, if there is one.
    public subscript(stage name: String) -> StageDefinition? {
        stages.first { $0.name == name }
    }

    /// Reads and validates the pipeline file at `url`, following `extends`; throws `PipelineError`.
    public static func load(_ url: URL) throws -> PipelineDefinition {
        try PipelineLoader.load(url)
    }

    /// Parses pipeline YAML as if read from `file`; `extends` is resolved relative to `file`'s folder.
    public static func parse(yaml: String, file: URL) throws -> PipelineDefinition {
        try PipelineLoader.parse(yaml: yaml, file: file)
    }
}
