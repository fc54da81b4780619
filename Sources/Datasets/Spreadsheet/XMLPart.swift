import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What an XML part's reader does with the parser's events; element and attribute names arrive without prefixes.
protocol XMLPartHandler: AnyObject {
    /// An element opens; `attributes` are keyed by local name (`r:id` → `id`).
    func start(_ element: String, attributes: [String: String]) throws
    /// An element closes.
    func end(_ element: String) throws
    /// Character data (possibly in several pieces) inside the innermost open element.
    func text(_ text: String)
}

/// Runs Foundation's SAX parser over one XML part of a package, turning its failures and the handler's into one error.
///
/// Namespace processing stays off and prefixes are stripped instead: writers disagree on prefixes
/// (`<x:c>` from some .NET writers, `r:id` for relationships), never on local names.
enum XMLPart {
    /// Parses `data`; a handler's error stops the parse and is rethrown, malformed XML becomes `failure(reason)`.
    static func parse(_ data: Data, with handler: XMLPartHandler, failure: (_ reason: String) -> Error) throws {
        let parser = XMLParser(data: data)
        let delegate = Delegate(handler: handler)
        parser.delegate = delegate
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        let finished = parser.parse()
        if let error = delegate.handlerError { throw error }
        // On Linux `parse()` can return true with an error recorded (mismatched tags, a document cut short), and
        // reports nothing at all for a few bytes such as `<a>`, so all three are checked. Its error codes are
        // libxml2's, numbers not worth showing.
        guard finished, parser.parserError == nil else {
            throw failure("malformed XML at line \(parser.lineNumber), column \(parser.columnNumber)")
        }
        guard delegate.sawElement else { throw failure("no XML elements (the part is empty or cut short)") }
    }

    /// The name after any `prefix:`.
    static func localName(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        let handler: XMLPartHandler
        var handlerError: Error?
        var sawElement = false

        init(handler: XMLPartHandler) {
            self.handler = handler
        }

        private func run(_ parser: XMLParser, _ body: () throws -> Void) {
            guard handlerError == nil else { return }
            do { try body() } catch {
                handlerError = error
                parser.abortParsing()
            }
        }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            var attributes: [String: String] = [:]
            for (key, value) in attributeDict {
                let local = XMLPart.localName(key)
                // An unprefixed attribute wins over a prefixed one of the same local name.
                if attributes[local] == nil || !key.contains(":") { attributes[local] = value }
            }
            sawElement = true
            run(parser) { try handler.start(XMLPart.localName(elementName), attributes: attributes) }
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            run(parser) { try handler.end(XMLPart.localName(elementName)) }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard handlerError == nil else { return }
            handler.text(string)
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            guard handlerError == nil else { return }
            handler.text(String(decoding: CDATABlock, as: UTF8.self))
        }
    }
}

/// OOXML's escape for characters XML cannot hold: `_x000D_` is a carriage return, `_x005F_` a literal `_`.
enum OOXMLEscapes {
    /// `text` with every `_xHHHH_` replaced by its character.
    static func decode(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if scalars[index] == "_", index + 6 < scalars.count, scalars[index + 1] == "x", scalars[index + 6] == "_",
               scalars[index + 2 ..< index + 6].allSatisfy(\.properties.isASCIIHexDigit),
               let code = UInt32(String(String.UnicodeScalarView(scalars[index + 2 ..< index + 6])), radix: 16),
               let scalar = Unicode.Scalar(code) {
                result.append(scalar)
                index += 7
            } else {
                result.append(scalars[index])
                index += 1
            }
        }
        return String(result)
    }
}
