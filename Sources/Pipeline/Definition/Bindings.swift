/// Where a stage input comes from.
public enum InputSource: Equatable, Sendable {
    /// The output folder of a stage of the pipeline, or a file inside it when `file` is given.
    case stage(String, file: String?)
    /// A path outside the pipeline, kept as written; `identity` is an optional stable name for it.
    case path(String, identity: String?)
}

/// One `inputs` entry of a stage: the option it is passed to and where its value comes from.
public struct InputBinding: Equatable, Sendable {
    /// The option name (a key of `inputs`).
    public var option: String
    /// Where the input comes from.
    public var source: InputSource
    /// Where the value is written in the file.
    public var location: SourceLocation

    /// Creates an input binding.
    public init(option: String, source: InputSource, location: SourceLocation) {
        self.option = option
        self.source = source
        self.location = location
    }
}

/// One `params` entry of a stage: the option name and its typed value.
public struct ParamBinding: Equatable, Sendable {
    /// The option name (a key of `params`).
    public var key: String
    /// The value, vars substituted.
    public var value: ParamValue
    /// Where the value is written in the file.
    public var location: SourceLocation

    /// Creates a param binding.
    public init(key: String, value: ParamValue, location: SourceLocation) {
        self.key = key
        self.value = value
        self.location = location
    }
}
