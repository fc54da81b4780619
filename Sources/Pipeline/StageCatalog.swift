/// What the runner knows about vimo's own stage executables, so pipeline files need not repeat
/// it: which commands map items to items (and accept `--fingerprint` and `--summary`).
/// A stage of another executable says `kind:` itself; without it, it is a whole-set stage.
enum StageCatalog {
    private static let itemCommands: Set<String> = [
        "vimo-decode", "vimo-flow compute", "vimo-clip", "vimo-moclip embed",
    ]

    /// Options that change how a stage runs but not what it writes: they reach the command line
    /// but not the fingerprint, so decoding with more workers or allowing more failures reuses
    /// the cache. (`device`, `batch` and `dtype` do enter it: they can change the numbers.)
    /// `videos` (a folder with the videos, kept elsewhere) is one too: items enter by their content digest.
    static let executionOnly: Set<String> = ["workers", "threads", "max-failures", "items-per-shard", "stop-after", "quiet", "videos"]

    /// The input option of an item stage that names the dataset its items come from (vimo-decode's
    /// `--dataset`): it enters the fingerprint by identity, not content, so new videos reuse the folder.
    static let datasetOption = "dataset"

    /// The input options of whole-set stages that name a dataset folder for its labels and splits
    /// (`vimo-moclip train --labels`, `vimo-tfam --annotations`, `vimo-eval --annotations`): they enter
    /// by the content of its annotation files only, not its videos or frames.
    static let annotationOptions: Set<String> = ["labels", "annotations"]

    /// The kind of a stage, from its `kind:` or from the catalog.
    static func kind(of stage: StageDefinition) -> StageKind {
        if let kind = stage.kind { return kind }
        return itemCommands.contains(commandKey(stage.command)) ? .items : .whole
    }

    /// `vimo-flow compute` from `["/path/to/vimo-flow", "compute"]`.
    static func commandKey(_ command: [String]) -> String {
        guard let first = command.first else { return "" }
        let name = first.split(separator: "/").last.map(String.init) ?? first
        return ([name] + command.dropFirst()).joined(separator: " ")
    }
}
