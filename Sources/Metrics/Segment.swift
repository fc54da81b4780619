/// Where a class sits in Animal Kingdom's long-tailed distribution.
///
/// The `Datasets` module has its own `Segment`; the two are bridged by `rawValue`.
public enum Segment: String, Sendable, CaseIterable, Codable {
    /// The frequent classes.
    case head
    /// The classes in between.
    case middle
    /// The rare classes.
    case tail
}
