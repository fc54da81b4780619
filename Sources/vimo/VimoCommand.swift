import ArgumentParser

@main
struct Vimo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vimo",
        abstract: "Run vimo pipelines: only what changed is computed, item by item; caches are shared between experiments.",
        discussion: """
        A pipeline (pipelines/NAME.yaml) names stages (vimo-decode, vimo-flow, …), their params and inputs. \
        Each stage's outputs live in <cache>/<stage>/<fingerprint>/, where the fingerprint covers the stage's \
        code version, params, input files and upstream fingerprints. The cache is data/cache, $VIMO_CACHE, or --cache.
        Exit status: 0 success; 1 a stage failed; 2 the pipeline or an input is unusable; 3 a stage lock could not be \
        taken in time; 64 invalid options; 130 interrupted (SIGINT or SIGTERM: running stages are stopped, \
        what they committed is kept).
        """,
        version: "vimo-1",
        subcommands: [Run.self, Status.self, Verify.self, Dag.self, Ls.self, Gc.self, Export.self, Demo.self])
}
