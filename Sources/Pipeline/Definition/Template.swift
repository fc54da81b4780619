/// Text that may contain references to stage output folders, written `${stage.out}` in the file.
public struct Template: Equatable, Sendable, CustomStringConvertible {
    /// One piece of a template.
    public enum Part: Equatable, Sendable {
        /// Literal text (vars already substituted).
        case text(String)
        /// The output folder of the named stage.
        case stageOutput(String)
    }

    /// The pieces in order; adjacent texts are merged and empty texts dropped.
    public var parts: [Part]

    /// Creates a template from parts, merging adjacent texts and dropping empty ones.
    public init(parts: [Part]) {
        var merged: [Part] = []
        for part in parts {
            switch (part, merged.last) {
            case (.text(let text), _) where text.isEmpty:
                continue
            case (.text(let text), .text(let previous)?):
                merged[merged.count - 1] = .text(previous + text)
            default:
                merged.append(part)
            }
        }
        self.parts = merged
    }

    /// Creates a template holding literal text only.
    public init(_ text: String) {
        self.init(parts: [.text(text)])
    }

    /// The stage names referenced through `${stage.out}`, unique, in order of mention.
    public var stageReferences: [String] {
        var names: [String] = []
        for case .stageOutput(let name) in parts where !names.contains(name) { names.append(name) }
        return names
    }

    /// The text with every `${stage.out}` replaced by `folder(stage)`.
    public func resolve(_ folder: (String) -> String) -> String {
        parts.map { part in
            switch part {
            case .text(let text): return text
            case .stageOutput(let name): return folder(name)
            }
        }.joined()
    }

    /// The text with `${stage.out}` references written back literally.
    public var description: String {
        resolve { "${\($0).out}" }
    }
}
