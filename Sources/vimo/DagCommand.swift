import ArgumentParser
import Foundation
import Pipeline

struct Dag: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a pipeline's stage graph: each stage, its command, and what it reads (text, or Graphviz DOT with --dot).")

    @OptionGroup var options: PipelineOptions
    @Flag(name: .long, help: "Graphviz DOT (render with: vimo dag --dot | dot -Tsvg > dag.svg).") var dot = false

    func run() throws {
        let console = Console()
        let definition: PipelineDefinition
        do { definition = try PipelineDefinition.load(try options.file()) } catch {
            console.error(error.localizedDescription)
            throw ExitCode(2)
        }
        console.line(dot ? PipelineGraph.dot(definition) : PipelineGraph.text(definition))
    }
}
