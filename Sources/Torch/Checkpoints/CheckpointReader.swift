import Core
import Foundation

/// Reads checkpoint files into named raw tensors, in pure Swift.
///
/// Supports safetensors (`.safetensors`), `torch.save` zip archives (`.pth`, `.pt`, `.bin`, PyTorch ≥ 1.6) and
/// TorchScript archives (`torch.jit.save`, e.g. OpenAI CLIP's `ViT-B-32.pt`). Files are memory-mapped; only the
/// returned tensors are copied.
public enum CheckpointReader {
    /// Reads any supported checkpoint, choosing the reader by the file's content (not its extension).
    public static func read(_ url: URL) throws -> Checkpoint {
        let file = url.checkpointDisplayPath
        let data = try mapFile(url)
        switch try inspect(data, file: file) {
        case .safetensors: return try SafetensorsReader.read(data, file: file)
        case let .archive(archive) where archive.isTorchScript: return try readTorchScript(archive, includeAttributes: false)
        case let .archive(archive): return try readTorchZip(archive)
        }
    }

    /// The format of a checkpoint file, judged by its content.
    public static func format(of url: URL) throws -> CheckpointFormat {
        switch try inspect(mapFile(url), file: url.checkpointDisplayPath) {
        case .safetensors: return .safetensors
        case let .archive(archive): return archive.isTorchScript ? .torchScript : .torchZip
        }
    }

    /// Reads a safetensors file: 8-byte little-endian header length, JSON header, raw little-endian data.
    public static func readSafetensors(_ url: URL) throws -> Checkpoint {
        try SafetensorsReader.read(mapFile(url), file: url.checkpointDisplayPath)
    }

    /// Reads a `torch.save` zip archive: every tensor in the pickled object, named by its dotted path.
    ///
    /// Nested dicts give dotted names (`{"model": state_dict}` → `model.conv1.weight`), list elements their index;
    /// int, float, str and bool leaves (`epoch`) go to `metadata`. Objects of unknown classes are kept opaque and,
    /// if pickled with a state, flattened through it.
    public static func readTorchZip(_ url: URL) throws -> Checkpoint {
        let data = try mapFile(url)
        try rejectLegacy(data, file: url.checkpointDisplayPath)
        return try readTorchZip(TorchArchive(data: data, file: url.checkpointDisplayPath))
    }

    /// Reads a TorchScript archive: the tensors of the module tree named as its `state_dict()` names them.
    ///
    /// Tensors that are plain attributes rather than parameters or buffers (per the class declarations in the
    /// archive's `code/`) are left out unless `includeAttributes` is set.
    public static func readTorchScript(_ url: URL, includeAttributes: Bool = false) throws -> Checkpoint {
        let data = try mapFile(url)
        try rejectLegacy(data, file: url.checkpointDisplayPath)
        return try readTorchScript(TorchArchive(data: data, file: url.checkpointDisplayPath), includeAttributes: includeAttributes)
    }

    // MARK: - Internals

    private static func readTorchZip(_ archive: TorchArchive) throws -> Checkpoint {
        let root = try archive.loadDataPickle()
        var flattener = PickleFlattener(file: archive.file, bigEndian: archive.bigEndian)
        try flattener.flatten(root, path: [])
        return Checkpoint(tensors: flattener.tensors, metadata: flattener.metadata, format: .torchZip)
    }

    private static func readTorchScript(_ archive: TorchArchive, includeAttributes: Bool) throws -> Checkpoint {
        let classes = try ScriptClassDeclarations.read(from: archive)
        let root = try archive.loadDataPickle()
        guard case let .object(module) = root else {
            throw CheckpointError.badPickle(file: archive.file, entry: archive.prefix + "data.pkl", offset: 0,
                                            reason: "TorchScript data.pkl holds a \(root.kind), not a module object")
        }
        var walker = ScriptModuleWalker(archive: archive, classes: classes, includeAttributes: includeAttributes)
        try walker.walk(module, path: [])
        return Checkpoint(tensors: walker.tensors, metadata: ["torchscript.class": module.className], format: .torchScript)
    }

    /// The pickle that starts every pre-1.6 `torch.save` file: PROTO 2, LONG1 of the magic number 0x1950a86a20f9469cfc6c.
    private static let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    private static func isLegacyTorch(_ data: Data) -> Bool {
        if data.count >= legacyMagic.count, [UInt8](data.prefix(legacyMagic.count)) == legacyMagic { return true }
        // The even older tar container (PyTorch ≤ 0.3) holds `storages`, `tensors` and `pickle` members.
        if data.count >= 512, String(decoding: data.view(at: 257, count: 5), as: UTF8.self) == "ustar" {
            let member = String(decoding: data.view(at: 0, count: 100), as: UTF8.self)
            return ["storages", "tensors", "pickle", "sys_info"].contains { member.hasPrefix($0) }
        }
        return false
    }

    private static func rejectLegacy(_ data: Data, file: String) throws {
        if isLegacyTorch(data) { throw CheckpointError.legacyTorchFormat(file: file) }
    }

    /// What a file turned out to be: safetensors, or a PyTorch zip archive (opened).
    private enum Contents {
        case safetensors
        case archive(TorchArchive)
    }

    private static func inspect(_ data: Data, file: String) throws -> Contents {
        guard !data.isEmpty else { throw CheckpointError.truncated(file: file, detail: "the file is empty") }
        if ZipArchive.looksLikeZip(data) {
            return .archive(try TorchArchive(data: data, file: file))
        }
        try rejectLegacy(data, file: file)
        // safetensors: a little-endian u64 header length, then a JSON object.
        if data.count >= 9, data[data.startIndex + 8] == UInt8(ascii: "{") {
            return .safetensors
        }
        if data.count < 9 {
            throw CheckpointError.truncated(file: file, detail: "\(data.count) bytes is too short for any checkpoint format")
        }
        throw CheckpointError.unknownFormat(file: file)
    }
}
