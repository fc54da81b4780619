/// A position in a pipeline file: the file as it was named, plus a 1-based line and column.
public struct SourceLocation: Equatable, Sendable, CustomStringConvertible {
    /// The file path as it was given (or derived from `extends`), not made absolute.
    public var file: String
    /// The 1-based line number.
    public var line: Int
    /// The 1-based column number, counted in Unicode scalars.
    public var column: Int

    /// Creates a location from a file path, a 1-based line and a 1-based column.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The location written as `file:line:column`.
    public var description: String { "\(file):\(line):\(column)" }
}
