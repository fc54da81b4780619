/// The classes of a dataset, indexed by label id, with ids exactly 0..<count.
public struct ClassList: Sendable {
    /// The classes; `classes[i].id == i`.
    public let classes: [ActionClass]
    private let idsByName: [String: Int]
    private let idsByFoldedName: [String: Int]

    /// The number of classes, K (the width of a multi-hot vector).
    public var count: Int { classes.count }

    /// The class names in id order.
    public var names: [String] { classes.map(\.name) }

    /// The class with label id `id` (which must be in 0..<count).
    public subscript(id: Int) -> ActionClass { classes[id] }

    /// The id of the class called `name`: an exact match first, then one ignoring case.
    public func id(named name: String) -> Int? {
        idsByName[name] ?? idsByFoldedName[name.lowercased()]
    }

    /// The ids of the classes in `segment`, ascending.
    public func ids(in segment: Segment) -> [Int] {
        classes.filter { $0.segment == segment }.map(\.id)
    }

    /// Checks that `classes` have ids exactly 0..<K, each once, and distinct non-empty names, then orders them by id.
    public init(_ classes: [ActionClass]) throws {
        self = try ClassList.validated(classes, lines: nil, file: "class list")
    }

    /// Classes named `names`, with ids 0..<names.count in order and nothing else known about them.
    public static func named(_ names: [String]) -> ClassList {
        ClassList(ordered: names.enumerated().map { ActionClass(id: $0.offset, name: $0.element) })
    }

    /// Classes already in id order with ids 0..<count (the built-in lists); not validated.
    static func named(ordered: [ActionClass]) -> ClassList { ClassList(ordered: ordered) }

    /// Where this list differs from `reference`, one line per class id (`id 12: 'Foo' here, 'Bar' built in`),
    /// plus a line for a different count; empty when they agree by id and name (ignoring case and spaces).
    public func differences(from reference: ClassList, limit: Int = 10) -> [String] {
        var lines: [String] = []
        if count != reference.count { lines.append("\(count) classes here, \(reference.count) built in") }
        for id in 0..<min(count, reference.count) {
            let mine = classes[id].name, theirs = reference.classes[id].name
            if mine.trimmingWhitespace.lowercased() != theirs.lowercased() {
                lines.append("id \(id): '\(mine)' here, '\(theirs)' built in")
            }
        }
        if lines.count > limit { lines = Array(lines.prefix(limit)) + ["… \(lines.count - limit) more"] }
        return lines
    }

    private init(ordered: [ActionClass]) {
        classes = ordered
        var exact: [String: Int] = [:]
        var folded: [String: Int] = [:]
        for item in ordered {
            if exact[item.name] == nil { exact[item.name] = item.id }
            let key = item.name.lowercased()
            if folded[key] == nil { folded[key] = item.id }
        }
        idsByName = exact
        idsByFoldedName = folded
    }

    /// Validates ids and names; `lines[i]` is the line `classes[i]` came from, so errors can name it.
    static func validated(_ classes: [ActionClass], lines: [Int]?, file: String) throws -> ClassList {
        let k = classes.count
        var slots = [Int?](repeating: nil, count: k)
        var lineOfName: [String: Int] = [:]
        for (position, item) in classes.enumerated() {
            let line = lines?[position]
            guard item.id >= 0 && item.id < k else {
                throw DatasetProblem(file: file, line: line, reason:
                    "class id \(item.id) (\(item.name)) is outside 0..<\(k): ids must be 0 to K-1 with none missing")
            }
            if let earlier = slots[item.id] {
                let earlierText = lines.map { " (line \($0[earlier]))" } ?? ""
                throw DatasetProblem(file: file, line: line, reason:
                    "class id \(item.id) is given twice: \(classes[earlier].name)\(earlierText) and \(item.name)")
            }
            slots[item.id] = position
            let name = item.name.trimmingWhitespace
            guard !name.isEmpty else {
                throw DatasetProblem(file: file, line: line, reason: "class \(item.id) has an empty name")
            }
            if let earlierLine = lineOfName[name] {
                let earlierText = lines == nil ? "" : " (line \(earlierLine))"
                throw DatasetProblem(file: file, line: line, reason: "class name '\(name)' is given twice\(earlierText)")
            }
            lineOfName[name] = line ?? position
        }
        return ClassList(ordered: slots.map { classes[$0!] })
    }
}
