/// How a stage processes its input: one item at a time, or the whole input at once.
public enum StageKind: String, Sendable, Equatable {
    /// The stage maps each input item to an output item.
    case items
    /// The stage consumes its whole input in one run.
    case whole
}
