import Core
import Datasets
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where things are for one invocation of the runner: the cache, the folders searched for
/// stage executables, and the caches of file digests and code versions kept in the cache.
public final class Workspace: @unchecked Sendable {
    /// `<cache>`: stage directories, `runs/`, `pipelines/`.
    public let cache: URL
    /// Folders searched for a stage's executable when its name has no slash.
    public let searchPath: [URL]
    /// Content digests of external inputs, by (path, inode, size, mtime).
    let digests: DigestCache
    private var versions: [String: String] = [:]
    /// External inputs already read in this invocation (several stages read one dataset).
    private var contents: [String: InputContent] = [:]
    /// Dataset identities already computed in this invocation.
    private var identities: [String: String] = [:]
    private var versionsDirty = false
    private let lock = NSLock()

    /// `cache` resolves as `--cache`, else `$VIMO_CACHE`, else `data/cache`.
    public static func defaultCache(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let path = option ?? environment["VIMO_CACHE"].flatMap { $0.isEmpty ? nil : $0 } ?? "data/cache"
        return URL(fileURLWithPath: path).standardizedFileURL
    }

    /// Opens (creating it if needed) the cache folder and its digest and version caches.
    public init(cache: URL, searchPath: [URL]) throws {
        self.cache = cache.standardizedFileURL
        self.searchPath = searchPath
        do {
            try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        } catch {
            throw RunnerError.unusableCache(path: cache.path, reason: "cannot create it: " + SystemReason.of(error))
        }
        digests = DigestCache(file: cache.appendingPathComponent(".digests.tsv"))
        if let data = try? Data(contentsOf: versionsFile) {
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                let fields = line.split(separator: "\t", maxSplits: 1)
                if fields.count == 2 { versions[String(fields[0])] = String(fields[1]) }
            }
        }
    }

    private var versionsFile: URL { cache.appendingPathComponent(".versions.tsv") }

    /// The folder of a stage's outputs for a fingerprint.
    public func directory(stage: String, fingerprint: String) -> URL {
        cache.appendingPathComponent(stage).appendingPathComponent(Fingerprint.directoryName(fingerprint))
    }

    /// Saves the digest and version caches (best effort: they are caches).
    public func save() {
        try? digests.save()
        lock.lock(); defer { lock.unlock() }
        guard versionsDirty else { return }
        let text = versions.sorted { $0.key < $1.key }.map { "\($0.key)\t\($0.value)\n" }.joined()
        try? AtomicFile.write(Data(text.utf8), to: versionsFile)
        versionsDirty = false
    }

    /// The content of an external input, read once per invocation however many stages use it.
    func content(of path: String, scope: InputContent.Scope = .all) throws -> InputContent {
        let key = "\(scope)\t" + path
        lock.lock()
        if let known = contents[key] { lock.unlock(); return known }
        lock.unlock()
        let content = try InputContent.read(path, cache: digests, scope: scope)
        lock.lock()
        contents[key] = content
        lock.unlock()
        return content
    }

    /// A dataset folder's identity where it lies: the digest of its label space (the class names in
    /// id order), never its path, so a copy, a move or another mount of the dataset finds the same
    /// cache folders, while adding videos keeps them too (items are tracked one by one).
    func datasetIdentity(of path: String) throws -> String {
        lock.lock()
        if let known = identities[path] { lock.unlock(); return known }
        lock.unlock()
        let classes: ClassList
        do {
            classes = try DatasetLoader.labelSpace(root: URL(fileURLWithPath: path))
        } catch {
            throw RunnerError.missingInput(path: path, reason: error.localizedDescription)
        }
        let identity = "classes:" + FileDigest.sha256(of: Data(classes.names.joined(separator: "\n").utf8))
        lock.lock()
        identities[path] = identity
        lock.unlock()
        return identity
    }

    /// The executable a command's first word names.
    func executable(for stage: StageDefinition) throws -> URL {
        let name = stage.command[0]
        if name.contains("/") {
            let url = URL(fileURLWithPath: name).standardizedFileURL
            guard access(url.path, X_OK) == 0 else {
                throw RunnerError.executableNotFound(stage: stage.name, name: name, searched: [url.path])
            }
            return url
        }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { URL(fileURLWithPath: String($0)) }
        let folders = searchPath + path
        for folder in folders {
            let candidate = folder.appendingPathComponent(name)
            if access(candidate.path, X_OK) == 0 { return candidate }
        }
        throw RunnerError.executableNotFound(stage: stage.name, name: name, searched: folders.map(\.path))
    }

    /// The code version of a stage: its `version:`, else what `<executable> --version` prints,
    /// remembered by the executable's (path, inode, size, mtime) so it is asked once per build.
    func version(of stage: StageDefinition, executable: URL) throws -> String {
        if let version = stage.version { return version }
        var st = stat()
        guard stat(executable.path, &st) == 0 else {
            throw RunnerError.unknownVersion(stage: stage.name, executable: executable.path, reason: String(cString: strerror(errno)))
        }
        let identity = DigestCacheIdentity(st)
        let key = "\(executable.path)|\(identity.inode)|\(identity.size)|\(identity.mtimeNanoseconds)"
        lock.lock()
        if let known = versions[key] { lock.unlock(); return known }
        lock.unlock()
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw RunnerError.unknownVersion(stage: stage.name, executable: executable.path, reason: error.localizedDescription)
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: output, as: UTF8.self).split(separator: "\n").first.map {
            $0.trimmingCharacters(in: .whitespaces)
        } ?? ""
        guard process.terminationReason == .exit, process.terminationStatus == 0, !text.isEmpty, !text.contains("\t") else {
            let ending = process.terminationReason == .exit ? "exited \(process.terminationStatus)" : "was killed by signal \(process.terminationStatus)"
            throw RunnerError.unknownVersion(stage: stage.name, executable: executable.path,
                                             reason: "--version \(ending) and printed '\(text)'")
        }
        lock.lock()
        versions[key] = text
        versionsDirty = true
        lock.unlock()
        return text
    }
}
