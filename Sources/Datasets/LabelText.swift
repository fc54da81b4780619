/// Parsing of label lists written as text ("2,40", "2;40", "2 40").
enum LabelText {
    /// The integer ids in `text`, split at any of `separators`; empty tokens are ignored, so "" is no labels.
    /// On failure, the first token that is not an integer.
    static func integers(_ text: String, separators: Set<Character>) -> Result<[Int], BadToken> {
        var ids: [Int] = []
        for token in text.split(whereSeparator: { separators.contains($0) }) {
            let trimmed = String(token).trimmingWhitespace
            if trimmed.isEmpty { continue }
            guard let id = Int(trimmed) else { return .failure(BadToken(text: trimmed)) }
            ids.append(id)
        }
        return .success(ids)
    }

    /// The text tokens in `text`: split at `;` when it holds one, else at `,`; trimmed, empty ones dropped.
    static func tokens(_ text: String) -> [String] {
        let separator: Character = text.contains(";") ? ";" : ","
        return text.split(separator: separator).map { String($0).trimmingWhitespace }.filter { !$0.isEmpty }
    }

    /// A token that should have been an integer label id.
    struct BadToken: Error {
        /// The token as written.
        let text: String
        /// A reason for a `DatasetProblem`.
        var reason: String { "label '\(text)' is not an integer id" }
    }
}

extension Array where Element == Int {
    /// The elements sorted, each once.
    var sortedUnique: [Int] { Array(Set(self)).sorted() }
}
