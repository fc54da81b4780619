import ArgumentParser
import Foundation
import Pipeline

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "For every stage of a pipeline: up to date, or why not (code, params, upstream, items missing).",
        discussion: "Exit status: 0 every stage up to date; 1 some stage must run; 2 the pipeline or an input is unusable.")

    @OptionGroup var options: PipelineOptions
    @Flag(name: .long, help: "Also print each stage's fingerprint and folder.") var verbose = false
    @OptionGroup var cluster: ClusterOptions

    func run() throws {
        let console = Console()
        var placement = RunOptions()
        try cluster.apply(to: &placement)
        let planner = try options.open(console: console, placing: placement)
        let entries = PipelineStatus.check(planner)
        let width = (entries.map(\.stage.count).max() ?? 8) + 2
        console.line("pipeline \(planner.pipeline.name) (\(Console.short(planner.pipeline.file))), cache \(Console.short(planner.workspace.cache))")
        var allUpToDate = true
        var unusable = false
        for entry in entries {
            if let plan = entry.plan {
                allUpToDate = allUpToDate && plan.status.isUpToDate
                var text = Console.pad(entry.stage, width) + plan.status.text
                if let items = plan.record?.items, plan.status.isUpToDate { text += ", \(items) items" }
                console.line("  " + text)
                if !plan.status.isUpToDate, let directory = plan.directory,
                   let cluster = SlurmClaim.progress(directory: directory, fingerprint: plan.fingerprint) {
                    console.line("  " + String(repeating: " ", count: width) + "on the cluster: " + cluster)
                }
                if verbose, let directory = plan.directory {
                    console.line("  " + String(repeating: " ", count: width) + "\(plan.fingerprint ?? "") \(Console.short(directory))")
                }
            } else {
                allUpToDate = false
                unusable = true
                console.line("  " + Console.pad(entry.stage, width) + "cannot plan: " + (entry.error ?? ""))
            }
        }
        if unusable { throw ExitCode(2) }
        if !allUpToDate { throw ExitCode(1) }
    }
}
