import Foundation
import Yams

/// Reads pipeline files, turns YAML errors into `PipelineError`s and follows `extends` chains.
enum PipelineLoader {
    /// One file of an `extends` chain: where it is on disk and how it is named in messages.
    private struct FileName {
        let url: URL
        let display: String
        var canonicalPath: String { url.standardizedFileURL.resolvingSymlinksInPath().path }
    }

    static func load(_ url: URL) throws -> PipelineDefinition {
        let file = FileName(url: url, display: url.relativePath)
        let yaml: String
        do {
            yaml = try readText(url)
        } catch let error as Unreadable {
            throw PipelineError(location: nil, key: file.display, message: "cannot read the file: \(error.reason)")
        }
        return try build(yaml: yaml, file: file)
    }

    static func parse(yaml: String, file url: URL) throws -> PipelineDefinition {
        try build(yaml: yaml, file: FileName(url: url, display: url.relativePath))
    }

    private static func build(yaml: String, file: FileName) throws -> PipelineDefinition {
        let raw = try loadRaw(yaml: yaml, file: file, chain: [file])
        let name = file.url.deletingPathExtension().lastPathComponent
        return try PipelineAssembler.assemble(raw, name: name, file: file.url)
    }

    /// Parses one file and, when it extends another, loads that one first and merges this one on top.
    private static func loadRaw(yaml: String, file: FileName, chain: [FileName]) throws -> RawPipeline {
        let raw = try RawPipelineParser.parse(compose(yaml, file: file.display))
        guard let extends = raw.extends, let path = extends.scalarText else { return raw }

        let base = baseName(path, of: file)
        if chain.contains(where: { $0.canonicalPath == base.canonicalPath }) {
            let names = (chain + [base]).map(\.display).joined(separator: " → ")
            throw extends.error("extends cycle: \(names)")
        }
        let baseYAML: String
        do {
            baseYAML = try readText(base.url)
        } catch let error as Unreadable {
            let hint = error.missing && !path.hasPrefix("/")
                ? " (an extends path is relative to the folder of the file that names it)" : ""
            throw extends.error("cannot read '\(base.display)': \(error.reason)\(hint)")
        }
        let baseRaw = try loadRaw(yaml: baseYAML, file: base, chain: chain + [base])
        return RawPipelineMerge.merge(base: baseRaw, child: raw)
    }

    /// Why a pipeline file could not be read, in words.
    private struct Unreadable: Error {
        let reason: String
        var missing = false
    }

    /// The file's UTF-8 text. Foundation's own read errors print as NSError dumps on Linux, so the
    /// reasons are found here: missing, a folder, refused by the system (errno), not UTF-8.
    private static func readText(_ url: URL) throws -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw Unreadable(reason: "no such file", missing: true)
        }
        guard !isFolder.boolValue else { throw Unreadable(reason: "it is a folder, not a pipeline file") }
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { throw Unreadable(reason: String(cString: strerror(errno))) }
        close(descriptor)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw Unreadable(reason: "the file cannot be read") }
        guard let text = String(data: data, encoding: .utf8) else { throw Unreadable(reason: "not UTF-8 text") }
        return text
    }

    /// The base file named by `extends`, relative to the extending file's folder.
    private static func baseName(_ path: String, of file: FileName) -> FileName {
        if path.hasPrefix("/") {
            return FileName(url: URL(fileURLWithPath: path), display: path)
        }
        let folder = (file.display as NSString).deletingLastPathComponent
        let display = folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
        let url = file.url.deletingLastPathComponent().appendingPathComponent(path)
        return FileName(url: url, display: display)
    }

    /// The document's root node; YAML syntax errors become `PipelineError`s at Yams' position.
    private static func compose(_ yaml: String, file: String) throws -> LocatedNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        } catch {
            throw PipelineError(location: nil, key: file, message: "invalid YAML: \(reason(error))")
        }
        guard let root else {
            throw PipelineError(location: SourceLocation(file: file, line: 1, column: 1), key: "",
                                message: "the file is empty; expected a mapping with 'stages'")
        }
        return LocatedNode(node: root, file: file, keyPath: "")
    }

    private static func syntaxError(_ error: YamlError, file: String) -> PipelineError {
        func located(_ problem: String, _ context: YamlError.Context?, _ mark: Mark) -> PipelineError {
            var message = "invalid YAML: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line))" }
            return PipelineError(location: SourceLocation(file: file, line: mark.line, column: mark.column),
                                 key: "", message: message)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return located(problem, context, mark)
        default:
            return PipelineError(location: nil, key: file, message: "invalid YAML: \(error)")
        }
    }

    private static func reason(_ error: Error) -> String {
        (error as? LocalizedError)?.errorDescription ?? String(describing: error)
    }
}
