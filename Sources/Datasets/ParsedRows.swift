/// What a low-level reader returns: the rows it could read and the problems of the rows it could not.
///
/// Every row type carries its 1-based `line`; problems are in file order.
public struct ParsedRows<Row: Sendable>: Sendable {
    /// The well-formed rows, in file order.
    public var rows: [Row]
    /// One entry per malformed row (those rows are not in `rows`).
    public var problems: [DatasetProblem]

    /// Creates a result from rows and problems.
    public init(rows: [Row], problems: [DatasetProblem]) {
        self.rows = rows
        self.problems = problems
    }
}

extension ParsedRows: Equatable where Row: Equatable {}
