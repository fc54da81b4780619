import Foundation

/// `vimo status`: every stage planned against the cache, in dependency order, without running anything.
public enum PipelineStatus {
    /// One stage's plan, or why it could not be planned (a missing input, an unknown executable).
    public struct Entry: Sendable {
        /// The stage name.
        public var stage: String
        /// The plan, when the stage could be planned.
        public var plan: StagePlan?
        /// Why it could not be planned.
        public var error: String?
    }

    /// Plans every stage in dependency order (an unplannable stage does not stop the others).
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
