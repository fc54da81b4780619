/// Builds RFC 4180 CSV text: fields quoted only when they must be, `\n` line ends.
struct CSVText {
    private(set) var text = ""

    /// Appends one record.
    mutating func append(_ fields: [String]) {
        text += fields.map(Self.quoted).joined(separator: ",")
        text += "\n"
    }

    /// A field as it must appear in the file.
    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// The shortest text that reads back to the same Double.
func formatNumber(_ value: Double?) -> String {
    value.map { "\($0)" } ?? ""
}
