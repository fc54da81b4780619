import Foundation

extension ClassList {
    /// Reads a class list with one name per line; line n holds the class with id n-1.
    ///
    /// Blank lines at the end are ignored; a blank line before the last name is an error, since it would
    /// shift every later id. A first line that is a CSV header naming a `name` column (`id,name`) makes
    /// the file a CSV class list (`read(classesCSV:)`), never a class called "id,name".
    public static func read(classesTxt url: URL) throws -> ClassList {
        let text = String(decoding: try FileIO.bytes(of: url), as: UTF8.self)
        if let first = text.split(whereSeparator: \.isNewline).first, first.contains(",") {
            let fields = first.split(separator: ",").map { String($0).trimmingWhitespace.lowercased() }
                .map { $0.hasPrefix("\u{FEFF}") ? String($0.dropFirst()) : $0 }
            if fields.contains(where: { ["name", "class", "class_name"].contains($0) }) {
                return try read(classesCSV: url)
            }
        }
        // Split on Character.isNewline: "\r\n" is one Character, so splitting on "\n" would miss it.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map {
            String($0).trimmingWhitespace
        }
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = String(first.dropFirst()) }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        let classes = lines.enumerated().map { ActionClass(id: $0.offset, name: $0.element) }
        return try validated(classes, lines: classes.map { $0.id + 1 }, file: url.path)
    }

    /// Reads a class list CSV with a header: `id,name` (ids given), `name` alone (ids in row order),
    /// or df_action's columns (`index` and `action`, read without Animal Kingdom corrections).
    public static func read(classesCSV url: URL) throws -> ClassList {
        let bytes = try FileIO.bytes(of: url)
        let file = url.path
        let records: [CSVRecord]
        do { records = try CSV.records(bytes) } catch let error as CSVSyntaxError {
            throw DatasetProblem(file: file, line: error.line, reason: error.reason)
        }
        guard let headerRecord = records.first else {
            throw DatasetProblem(file: file, line: 1, reason: "file is empty; expected a header such as id,name")
        }
        let header = CSVHeader(headerRecord.fields)
        if header.index(of: "index") != nil && header.index(of: "action") != nil {
            return try dfAction(bytes: bytes, file: file, correctIndices: false)
        }
        guard let nameColumn = header.index(of: "name", "class", "class_name") else {
            throw DatasetProblem(file: file, line: headerRecord.line, reason:
                "header must name a column name (with an optional id column), or index and action as in df_action.csv")
        }
        let idColumn = header.index(of: "id", "class_id")
        var classes: [ActionClass] = []
        var lines: [Int] = []
        for record in records.dropFirst() {
            guard record.fields.count == header.names.count else {
                throw DatasetProblem(file: file, line: record.line, reason:
                    "expected \(header.names.count) fields, found \(record.fields.count)")
            }
            var id = classes.count
            if let idColumn {
                let text = record.fields[idColumn].trimmingWhitespace
                guard let value = Int(text) else {
                    throw DatasetProblem(file: file, line: record.line, reason: "class id '\(text)' is not an integer")
                }
                id = value
            }
            classes.append(ActionClass(id: id, name: record.fields[nameColumn].trimmingWhitespace))
            lines.append(record.line)
        }
        return try validated(classes, lines: lines, file: file)
    }

    /// Writes the names one per line in id order (the format `read(classesTxt:)` reads).
    public func writeClassesTxt(to url: URL) throws {
        try FileIO.write(names.map { $0 + "\n" }.joined(), to: url)
    }
}
