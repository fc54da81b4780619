import Media

/// How the student's input colours flow: set once per process, from `train --flow-scale` or from
/// the checkpoint's sidecar in `embed`, so the two stages always code flow the same way.
extension FlowImages {
    /// The colour coding `tensor(flow:…)` uses; ViMoCLIP's per-field maximum unless set.
    nonisolated(unsafe) static var normalization = FlowColor.Normalization.perFrameMaximum

    /// `--flow-scale` as pixels (nil for `max`).
    static func scale(_ option: String) -> Double? { option == "max" ? nil : Double(option) }

    /// The colour coding for a scale in pixels (nil: each field by its own largest motion).
    static func normalization(scale: Double?) -> FlowColor.Normalization {
        scale.map { .fixed(Float($0)) } ?? .perFrameMaximum
    }
}
