/// What the metrics need to know about one class: its column, its name and its segment.
public struct ClassInfo: Sendable, Equatable {
    /// The 0-based column of the class in the score and label matrices.
    public var id: Int
    /// The class name, used in reports and plots.
    public var name: String
    /// Head, middle or tail, when known.
    public var segment: Segment?

    /// Creates a class description.
    public init(id: Int, name: String, segment: Segment? = nil) {
        self.id = id
        self.name = name
        self.segment = segment
    }

    /// Classes named `class 0`, `class 1`, … without segments, for callers that only have a class count.
    public static func numbered(_ count: Int) -> [ClassInfo] {
        (0..<count).map { ClassInfo(id: $0, name: "class \($0)") }
    }
}
