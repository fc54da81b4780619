import Foundation

/// A problem found while loading a pipeline file: where it is, which key it concerns, and what is wrong.
public struct PipelineError: Error, LocalizedError, Equatable, Sendable {
    /// Where the problem is; nil when no position is known (then `key` names the file, if anything).
    public var location: SourceLocation?
    /// The dotted key path of the offending value, such as `stages.flow.params.preset`; empty when none applies.
    public var key: String
    /// What is wrong, in words.
    public var message: String

    /// Creates an error from a location, a dotted key path and a message.
    public init(location: SourceLocation?, key: String, message: String) {
        self.location = location
        self.key = key
        self.message = message
    }

    /// The error as one line: `file:line:column: key: message`, or `file: message` when there is no location.
    public var errorDescription: String? {
        var pieces: [String] = []
        if let location { pieces.append(location.description) }
        if !key.isEmpty { pieces.append(key) }
        pieces.append(message)
        return pieces.joined(separator: ": ")
    }
}
