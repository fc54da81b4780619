import Core
import Foundation

/// A pipeline's stage graph as text or Graphviz DOT.
public enum PipelineGraph {
    /// One block per stage in dependency order: `flow  (vimo-flow compute, items)` then `  ← frames: decode`.
    public static func text(_ pipeline: PipelineDefinition) -> String {
        var lines = ["pipeline \(pipeline.name)" + (pipeline.description.map { ": \($0)" } ?? "")]
        for stage in pipeline.stages {
            lines.append("\(stage.name)  (\(stage.command.joined(separator: " ")), \(StageCatalog.kind(of: stage).rawValue))")
            for input in stage.inputs {
                switch input.source {
                case .stage(let name, let file): lines.append("  ← \(input.option): \(name)" + (file.map { "/\($0)" } ?? ""))
                case .path(let path, _): lines.append("  ← \(input.option): \(path)")
                }
            }
            for param in stage.params {
                for name in param.value.stageReferences { lines.append("  ← \(param.key): ${\(name).out}") }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `digraph` with a box per stage, a note per external input, an edge per dependency labelled with the option.
    public static func dot(_ pipeline: PipelineDefinition) -> String {
        var lines = ["digraph \(JSONText.quoted(pipeline.name)) {", "  rankdir=LR;", "  node [shape=box, fontname=\"Helvetica\"];"]
        var externals: [String: String] = [:]
        for stage in pipeline.stages {
            let label = "\(stage.name)\\n\(stage.command.joined(separator: " "))"
            lines.append("  \(JSONText.quoted(stage.name)) [label=\"\(label)\"\(StageCatalog.kind(of: stage) == .items ? ", style=rounded" : "")];")
            for input in stage.inputs {
                switch input.source {
                case .stage(let name, _):
                    lines.append("  \(JSONText.quoted(name)) -> \(JSONText.quoted(stage.name)) [label=\(JSONText.quoted(input.option))];")
                case .path(let path, _):
                    let id = externals[path] ?? "input\(externals.count)"
                    if externals[path] == nil {
                        externals[path] = id
                        lines.append("  \(id) [shape=note, label=\(JSONText.quoted(path))];")
                    }
                    lines.append("  \(id) -> \(JSONText.quoted(stage.name)) [label=\(JSONText.quoted(input.option))];")
                }
            }
            for param in stage.params {
                for name in param.value.stageReferences {
                    lines.append("  \(JSONText.quoted(name)) -> \(JSONText.quoted(stage.name)) [label=\(JSONText.quoted(param.key))];")
                }
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }
}
