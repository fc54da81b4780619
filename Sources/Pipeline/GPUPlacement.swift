/// A stage sent to Slurm with GPUs computes on them: where the stage runs on the cluster, asks for
/// GPUs (`gpus:` or a `gres:` naming gpu, from any level of `slurm:` settings), takes `--device`
/// and sets no `device:` itself, it gets `device: cuda`. The param enters the stage's fingerprint
/// like one written in the file (CUDA kernels can change the last bits), so a GPU run fills its own
/// folder and the same pipeline run locally keeps using the CPU one. A `device:` in the file wins.
public enum GPUPlacement {
    /// vimo's commands that take `--device`.
    static let deviceCommands: Set<String> = [
        "vimo-flow compute", "vimo-clip", "vimo-moclip train", "vimo-moclip embed", "vimo-tfam train",
        "vimo-tfam predict", "vimo-amclip zero-shot", "vimo-amclip train", "vimo-amclip predict",
    ]

    /// The param key the placement sets.
    static let key = "device"

    /// `pipeline` with `device: cuda` added to every stage it places on GPUs under `options`
    /// (`--executor`, `--slurm-*` and the environment, as `vimo run` resolves them).
    public static func apply(to pipeline: PipelineDefinition, options: RunOptions) throws -> PipelineDefinition {
        var placed = pipeline
        for (index, stage) in pipeline.stages.enumerated() where try runsOnGPUs(stage, in: pipeline, options: options) {
            placed.stages[index].params.append(ParamBinding(key: key, value: .string(Template("cuda")), location: stage.location))
        }
        return placed
    }

    /// Whether `stage` is one `apply` gives `device: cuda`.
    static func runsOnGPUs(_ stage: StageDefinition, in pipeline: PipelineDefinition, options: RunOptions) throws -> Bool {
        guard deviceCommands.contains(StageCatalog.commandKey(stage.command)),
              !stage.params.contains(where: { $0.key == key }),
              Runner.executor(for: stage, in: pipeline, options: options) == .slurm else { return false }
        return try Runner.resources(for: stage, in: pipeline, options: options).wantsGPUs
    }
}
