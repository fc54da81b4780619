/// Where a class sits in the long-tailed distribution of Animal Kingdom (by training count).
public enum Segment: String, Sendable, CaseIterable {
    /// The frequent classes.
    case head
    /// The classes in between.
    case middle
    /// The rare classes.
    case tail
}

/// One action class: its label id and what is known about it.
public struct ActionClass: Sendable, Equatable {
    /// The 0-based label id used in the annotations and in the multi-hot vector.
    public var id: Int
    /// The class name, e.g. "Flapping Tail".
    public var name: String
    /// The action category, e.g. "Movement"; empty when unknown.
    public var category: String
    /// Head, middle or tail, when the class list says.
    public var segment: Segment?
    /// The count the class list gives (df_action's `count` column), when it gives one.
    ///
    /// For Animal Kingdom this is df_action's own figure; it does not equal the number of training clips
    /// in AR_metadata for most classes.
    public var trainCount: Int?

    /// Creates a class.
    public init(id: Int, name: String, category: String = "", segment: Segment? = nil, trainCount: Int? = nil) {
        self.id = id
        self.name = name
        self.category = category
        self.segment = segment
        self.trainCount = trainCount
    }
}
