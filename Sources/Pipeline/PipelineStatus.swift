import Foundation

/// `vimo status`: every stage planned against the cache, in dependency order, without running anything.
public enum PipelineStatus {
    /// One stage's plan, or why it could not be planned (a missing input, an unknown executable).
    public struct Entry: Sendable {
        public var stage: String
        public var plan: StagePlan?
        public var error: String?
    }

    public static func check(_ planner: Planner) -> [Entry] {
        var plans: [String: StagePlan] = [:]
        var entries: [Entry] = []
        for stage in planner.pipeline.stages {
            do {
                let plan = try planner.plan(stage, upstream: plans)
                plans[stage.name] = plan
                entries.append(Entry(stage: stage.name, plan: plan, error: nil))
            } catch {
                entries.append(Entry(stage: stage.name, plan: nil, error: error.localizedDescription))
            }
        }
        planner.workspace.save()
        return entries
    }
}
