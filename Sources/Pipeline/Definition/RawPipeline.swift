/// One stage as written in one or more files, before vars are substituted.
struct RawStage {
    var name: String
    /// Where the stage's name is written (in the file that first defines it).
    var location: SourceLocation
    var run: LocatedNode?
    var kind: LocatedNode?
    var version: LocatedNode?
    var processes: LocatedNode?
    var executor: LocatedNode?
    /// The stage's `slurm:` resources, key by key; a null value removes the base's entry.
    var slurm = OrderedEntries<LocatedNode>()
    var description: LocatedNode?
    /// Input values by option name; a null value means "remove" in an `extends` override.
    var inputs = OrderedEntries<LocatedNode>()
    /// Param values by option name; a null value means "remove" in an `extends` override.
    var params = OrderedEntries<LocatedNode>()
}

/// A pipeline file's content checked for shape only, before `extends` is applied and vars are substituted.
struct RawPipeline {
    var description: String?
    /// The `extends:` value, when the file has one.
    var extends: LocatedNode?
    var vars = OrderedEntries<LocatedNode>()
    /// `executor:` for every stage that does not name its own.
    var executor: LocatedNode?
    /// The pipeline's `slurm:` resources, key by key.
    var slurm = OrderedEntries<LocatedNode>()
    var stages = OrderedEntries<RawStage>()
    /// The `stages:` node (or the root when absent), for errors about the stages as a whole.
    var stagesNode: LocatedNode
}
