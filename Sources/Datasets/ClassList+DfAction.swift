import Foundation

extension ClassList {
    /// The columns of Animal Kingdom's df_action.csv, in its order.
    static let dfActionColumns = ["S/N", "action_category", "action", "index", "segment", "count"]

    /// Reads Animal Kingdom's df_action.csv (`S/N,action_category,action,index,segment,count`).
    ///
    /// With `correctIndices` (the default) the ids of the classes listed in
    /// `AnimalKingdom.correctedLabelIDs` are replaced by the ids the annotations use; each class keeps
    /// its own name, category, segment and count. Throws a `DatasetProblem` naming the file and line of a
    /// malformed row, a repeated id, or an id outside 0..<K.
    public static func animalKingdom(dfAction url: URL, correctIndices: Bool = true) throws -> ClassList {
        try dfAction(bytes: FileIO.bytes(of: url), file: url.path, correctIndices: correctIndices)
    }

    static func dfAction(bytes: [UInt8], file: String, correctIndices: Bool) throws -> ClassList {
        let records: [CSVRecord]
        do { records = try CSV.records(bytes) } catch let error as CSVSyntaxError {
            throw DatasetProblem(file: file, line: error.line, reason: error.reason)
        }
        guard let headerRecord = records.first else {
            throw DatasetProblem(file: file, line: 1, reason: "file is empty; expected header \(dfActionColumns.joined(separator: ","))")
        }
        let header = CSVHeader(headerRecord.fields)
        guard let nameColumn = header.index(of: "action"), let idColumn = header.index(of: "index") else {
            throw DatasetProblem(file: file, line: headerRecord.line, reason:
                "header must name columns action and index (df_action.csv has \(dfActionColumns.joined(separator: ",")))")
        }
        let categoryColumn = header.index(of: "action_category")
        let segmentColumn = header.index(of: "segment")
        let countColumn = header.index(of: "count")

        var classes: [ActionClass] = []
        var lines: [Int] = []
        for record in records.dropFirst() {
            let fields = record.fields
            guard fields.count == header.names.count else {
                throw DatasetProblem(file: file, line: record.line, reason:
                    "expected \(header.names.count) fields, found \(fields.count)")
            }
            let name = fields[nameColumn].trimmingWhitespace
            let idText = fields[idColumn].trimmingWhitespace
            guard var id = Int(idText) else {
                throw DatasetProblem(file: file, line: record.line, reason: "index '\(idText)' of class '\(name)' is not an integer")
            }
            if correctIndices, let corrected = AnimalKingdom.correctedLabelIDs[name.lowercased()] {
                id = corrected
            }
            var segment: Segment?
            if let segmentColumn {
                let text = fields[segmentColumn].trimmingWhitespace
                if !text.isEmpty {
                    guard let value = Segment(rawValue: text.lowercased()) else {
                        throw DatasetProblem(file: file, line: record.line, reason:
                            "segment '\(text)' of class '\(name)' is not head, middle or tail")
                    }
                    segment = value
                }
            }
            var count: Int?
            if let countColumn {
                let text = fields[countColumn].trimmingWhitespace
                if !text.isEmpty {
                    guard let value = Int(text) else {
                        throw DatasetProblem(file: file, line: record.line, reason: "count '\(text)' of class '\(name)' is not an integer")
                    }
                    count = value
                }
            }
            let category = categoryColumn.map { fields[$0].trimmingWhitespace } ?? ""
            classes.append(ActionClass(id: id, name: name, category: category, segment: segment, trainCount: count))
            lines.append(record.line)
        }
        return try validated(classes, lines: lines, file: file)
    }

    /// Writes the classes in df_action.csv's columns, one row per class in id order, `index` = id.
    ///
    /// `S/N` is not kept when reading, so it is written as the rank by count (largest first, ties by id),
    /// which is how the original numbers its rows up to the order of ties.
    public func writeDfAction(to url: URL) throws {
        let ranked = classes.sorted { ($0.trainCount ?? -1, -$0.id) > ($1.trainCount ?? -1, -$1.id) }
        var serial: [Int: Int] = [:]
        for (rank, item) in ranked.enumerated() { serial[item.id] = rank + 1 }
        var text = CSV.line(Self.dfActionColumns)
        for item in classes {
            text += CSV.line([
                String(serial[item.id]!), item.category, item.name, String(item.id),
                item.segment?.rawValue ?? "", item.trainCount.map(String.init) ?? "",
            ])
        }
        try FileIO.write(text, to: url)
    }
}
