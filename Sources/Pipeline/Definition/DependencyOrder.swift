/// Orders stages so that each comes after the stages it depends on, and reports dependency cycles.
enum DependencyOrder {
    /// Stable Kahn's algorithm: at each step, the earliest stage (in file order) whose dependencies are placed.
    static func sorted(_ stages: [StageDefinition]) throws -> [StageDefinition] {
        var placed: Set<String> = []
        var remaining = stages
        var order: [StageDefinition] = []
        while !remaining.isEmpty {
            guard let next = remaining.firstIndex(where: { $0.dependencies.allSatisfy(placed.contains) }) else {
                throw cycleError(in: remaining)
            }
            let stage = remaining.remove(at: next)
            placed.insert(stage.name)
            order.append(stage)
        }
        return order
    }

    /// Finds one cycle among stages that could not be placed and names it, e.g. `a → b → a`.
    private static func cycleError(in remaining: [StageDefinition]) -> PipelineError {
        let byName = Dictionary(remaining.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var path: [String] = []
        var current = remaining[0].name
        // Every unplaced stage has an unplaced dependency, so walking them must revisit a stage.
        while !path.contains(current) {
            path.append(current)
            current = byName[current]!.dependencies.first { byName[$0] != nil }!
        }
        let cycle = Array(path[path.firstIndex(of: current)!...]) + [current]
        let start = byName[cycle[0]]!
        return PipelineError(location: start.location, key: "stages.\(start.name)",
                             message: "dependency cycle: \(cycle.joined(separator: " → "))")
    }
}
