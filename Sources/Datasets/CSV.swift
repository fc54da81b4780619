import Foundation

/// One record of a delimiter-separated file: its fields and the 1-based line it starts on.
public struct CSVRecord: Sendable, Equatable {
    /// The line the record starts on (a quoted field may carry it over several lines).
    public var line: Int
    /// The field values, unquoted.
    public var fields: [String]

    /// Creates a record.
    public init(line: Int, fields: [String]) {
        self.line = line
        self.fields = fields
    }
}

/// A syntax error that makes the rest of a delimiter-separated file unreadable (an unterminated quote).
public struct CSVSyntaxError: Error, Sendable, Equatable {
    /// The line where the broken record starts.
    public var line: Int
    /// What is wrong.
    public var reason: String
}

/// The one tokenizer for comma- (or semicolon-) separated text, used by every such reader here.
///
/// It follows RFC 4180: fields may be quoted with `"`, a quote inside a quoted field is doubled, and a
/// quoted field may hold delimiters and line breaks. Lines may end in LF, CRLF or CR; a leading UTF-8
/// byte-order mark is skipped; blank lines are skipped.
public enum CSV {
    private static let quote = UInt8(ascii: "\"")
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    /// Splits `bytes` into records separated by `delimiter` (a single ASCII character).
    public static func records(_ bytes: [UInt8], delimiter: Character = ",") throws -> [CSVRecord] {
        guard let separator = delimiter.asciiValue else {
            preconditionFailure("CSV delimiter must be ASCII")
        }
        return try bytes.withUnsafeBufferPointer { try tokenize($0, separator) }
    }

    /// Splits `text` into records; see `records(_:delimiter:)`.
    public static func records(_ text: String, delimiter: Character = ",") throws -> [CSVRecord] {
        try records(Array(text.utf8), delimiter: delimiter)
    }

    private static func tokenize(_ p: UnsafeBufferPointer<UInt8>, _ separator: UInt8) throws -> [CSVRecord] {
        let n = p.count
        var i = (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) ? 3 : 0
        var line = 1
        var records: [CSVRecord] = []
        var quoted: [UInt8] = []
        while i < n {
            let recordLine = line
            var fields: [String] = []
            fieldLoop: while true {
                if i < n && p[i] == quote {
                    i += 1
                    quoted.removeAll(keepingCapacity: true)
                    var closed = false
                    while i < n {
                        let c = p[i]
                        if c == quote {
                            if i + 1 < n && p[i + 1] == quote {
                                quoted.append(quote)
                                i += 2
                                continue
                            }
                            i += 1
                            closed = true
                            break
                        }
                        if c == lf { line += 1 }
                        quoted.append(c)
                        i += 1
                    }
                    guard closed else {
                        throw CSVSyntaxError(line: recordLine, reason: "quoted field is never closed")
                    }
                    // Text after a closing quote (malformed, e.g. `"ab"c`) is kept rather than lost.
                    while i < n && p[i] != separator && p[i] != lf && p[i] != cr {
                        quoted.append(p[i])
                        i += 1
                    }
                    fields.append(String(decoding: quoted, as: UTF8.self))
                } else {
                    let start = i
                    while i < n && p[i] != separator && p[i] != lf && p[i] != cr { i += 1 }
                    fields.append(String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self))
                }
                if i >= n { break fieldLoop }
                if p[i] == separator {
                    i += 1
                    if i >= n { fields.append(""); break fieldLoop }
                    continue fieldLoop
                }
                if p[i] == cr { i += 1; if i < n && p[i] == lf { i += 1 } } else { i += 1 }
                line += 1
                break fieldLoop
            }
            if !(fields.count == 1 && fields[0].isEmpty) {
                records.append(CSVRecord(line: recordLine, fields: fields))
            }
        }
        return records
    }

    /// `value` as a field: quoted (with inner quotes doubled) when it holds the delimiter, a quote or a line break.
    public static func field(_ value: String, delimiter: Character = ",") -> String {
        // By character for the delimiter, by byte for line breaks: "\r\n" is one Character, equal to neither.
        let needsQuotes = value.contains { $0 == delimiter || $0 == "\"" } || value.utf8.contains { $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record as a line of text, fields escaped with `field(_:delimiter:)`, ending in LF.
    public static func line(_ fields: [String], delimiter: Character = ",") -> String {
        fields.map { field($0, delimiter: delimiter) }.joined(separator: String(delimiter)) + "\n"
    }
}

/// Column lookup for a header record.
struct CSVHeader {
    /// The header's column names, whitespace-trimmed.
    let names: [String]
    private let positions: [String: Int]

    init(_ names: [String]) {
        self.names = names.map { $0.trimmingWhitespace }
        var positions: [String: Int] = [:]
        for (index, name) in self.names.enumerated() where positions[name] == nil {
            positions[name] = index
        }
        self.positions = positions
    }

    /// The position of the first column named any of `names`.
    func index(of names: String...) -> Int? {
        for name in names { if let position = positions[name] { return position } }
        return nil
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    var trimmingWhitespace: String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
