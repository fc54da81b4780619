/// One stage of a pipeline, with vars substituted and references checked.
public struct StageDefinition: Equatable, Sendable {
    /// The stage name, also used as its output directory name.
    public var name: String
    /// The executable followed by its subcommand words.
    public var command: [String]
    /// Whether the stage works item by item or on the whole input, when the file says.
    public var kind: StageKind?
    /// The code version override, when the file gives one.
    public var version: String?
    /// For an item stage: how many processes share its items (`--shard i/N` each), when the file says.
    public var processes: Int?
    /// Where the stage runs, when the file says (`executor:`); else the pipeline's, else local.
    public var executor: ExecutorKind?
    /// The stage's own Slurm resources (`slurm:`), over the pipeline's.
    public var slurm = SlurmResources()
    /// Free text describing the stage.
    public var description: String?
    /// The stage's inputs, in file order.
    public var inputs: [InputBinding]
    /// The stage's params, in file order.
    public var params: [ParamBinding]
    /// Where the stage's name is written in the file that first defines it.
    public var location: SourceLocation
    /// The stages this one reads from (inputs first, then `${stage.out}` in params), unique, in first-mention order.
    public var dependencies: [String]

    /// Creates a stage definition.
    public init(name: String, command: [String], kind: StageKind? = nil, version: String? = nil,
                description: String? = nil, inputs: [InputBinding] = [], params: [ParamBinding] = [],
                location: SourceLocation, dependencies: [String] = []) {
        self.name = name
        self.command = command
        self.kind = kind
        self.version = version
        self.description = description
        self.inputs = inputs
        self.params = params
        self.location = location
        self.dependencies = dependencies
    }
}
