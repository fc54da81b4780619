/// One relationship of an OPC package part (`xl/_rels/workbook.xml.rels`): an id, a type URI and a target.
struct Relationship {
    /// `rId1`.
    let id: String
    /// The type URI; only its last path component (`worksheet`, `sharedStrings`) matters here.
    let type: String
    /// The target as written: relative to the source part's folder, or absolute from the package root.
    let target: String
    /// Whether the target lies outside the package (`TargetMode="External"`).
    let isExternal: Bool

    /// The last path component of the type (`worksheet`): the same in transitional and strict OOXML.
    var kind: String { type.split(separator: "/").last.map(String.init) ?? type }

    /// The zip entry name of the target, resolved against the part that owns this relationship.
    func partName(relativeTo source: String) -> String {
        PackagePath.resolve(target, relativeTo: source)
    }
}

/// Paths inside an OPC package (the zip of an `.xlsx`).
enum PackagePath {
    /// The relationships part of a part: `xl/workbook.xml` → `xl/_rels/workbook.xml.rels`, `` → `_rels/.rels`.
    static func relationships(of part: String) -> String {
        guard let slash = part.lastIndex(of: "/") else { return "_rels/\(part).rels" }
        return "\(part[..<slash])/_rels/\(part[part.index(after: slash)...]).rels"
    }

    /// `target` resolved against the folder of `source`: `/xl/a.xml` → `xl/a.xml`; `worksheets/s.xml`
    /// from `xl/workbook.xml` → `xl/worksheets/s.xml`; `.` and `..` are folded.
    static func resolve(_ target: String, relativeTo source: String) -> String {
        var components: [Substring] = []
        if !target.hasPrefix("/") {
            components = source.split(separator: "/", omittingEmptySubsequences: true).dropLast()
        }
        for component in target.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        return components.joined(separator: "/")
    }
}

/// Reads a `.rels` part.
final class RelationshipsReader: XMLPartHandler {
    private(set) var relationships: [Relationship] = []

    func start(_ element: String, attributes: [String: String]) throws {
        guard element == "Relationship", let id = attributes["Id"], let target = attributes["Target"] else { return }
        relationships.append(Relationship(id: id, type: attributes["Type"] ?? "", target: target,
                                          isExternal: attributes["TargetMode"] == "External"))
    }

    func end(_ element: String) throws {}
    func text(_ text: String) {}
}

/// Reads the sheet list of `xl/workbook.xml`: names and relationship ids, in tab order.
final class WorkbookReader: XMLPartHandler {
    private(set) var sheets: [(name: String, relationship: String)] = []
    private(set) var sawWorkbook = false

    func start(_ element: String, attributes: [String: String]) throws {
        switch element {
        case "workbook": sawWorkbook = true
        case "sheet":
            // `r:id` arrives as `id`; the sheet element has no unprefixed id of its own.
            if let name = attributes["name"], let id = attributes["id"] { sheets.append((name, id)) }
        default: break
        }
    }

    func end(_ element: String) throws {}
    func text(_ text: String) {}
}

/// Reads `xl/sharedStrings.xml`: one string per `<si>`, its `<t>` runs concatenated (rich text), phonetic
/// guides (`<rPh>`) left out, `_xHHHH_` escapes decoded.
final class SharedStringsReader: XMLPartHandler {
    private(set) var strings: [String] = []
    private var item = StringItemText()

    func start(_ element: String, attributes: [String: String]) throws {
        if element == "si" { item = StringItemText() } else { item.start(element) }
    }

    func end(_ element: String) throws {
        if element == "si" { strings.append(item.value) } else { item.end(element) }
    }

    func text(_ text: String) { item.text(text) }
}

/// The text of a rich-text string item (`<si>` or `<is>`): `<t>` directly inside, or inside `<r>` runs,
/// concatenated; text of phonetic runs (`<rPh>`) is not part of the value.
struct StringItemText {
    private var phoneticDepth = 0
    private var inText = false
    private var buffer = ""

    /// The value so far, escapes decoded.
    var value: String { OOXMLEscapes.decode(buffer) }

    mutating func start(_ element: String) {
        switch element {
        case "rPh": phoneticDepth += 1
        case "t": inText = phoneticDepth == 0
        default: break
        }
    }

    mutating func end(_ element: String) {
        switch element {
        case "rPh": phoneticDepth -= 1
        case "t": inText = false
        default: break
        }
    }

    mutating func text(_ text: String) {
        if inText { buffer += text }
    }
}
