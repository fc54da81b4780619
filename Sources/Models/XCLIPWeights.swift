import Foundation
import Torch

/// Loads X-CLIP models from the published layouts. Every route reads the file(s), maps names onto `XCLIP`'s
/// (VideoX's) and loads strictly: missing, unexpected and mis-shaped keys are all named, with the file.
public enum XCLIPWeights {
    /// A loaded model with what its inputs need.
    public struct Loaded {
        public let model: XCLIP
        /// The mean/std its frames are normalised with (ImageNet's for published X-CLIP models, CLIP's for
        /// one built from a CLIP checkpoint, or the folder's `preprocessor_config.json`).
        public let normalization: ImageNormalization
        /// Frames per video.
        public var frames: Int { model.config.frames }
        /// Image side in pixels.
        public var resolution: Int { model.config.vision.resolution }

        public init(model: XCLIP, normalization: ImageNormalization) {
            self.model = model
            self.normalization = normalization
        }
    }

    /// A transformers folder (`config.json` + `model.safetensors` or `pytorch_model.bin`), or a single weights
    /// file (see `load(file:config:)`).
    public static func load(_ url: URL, config: XCLIP.Config? = nil) throws -> Loaded {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw TorchError.checkpoint(path: url.path, reason: "no such X-CLIP checkpoint")
        }
        return isFolder.boolValue ? try load(folder: url, config: config) : try load(file: url, config: config)
    }

    /// A transformers `save_pretrained` folder: the configuration from `config.json` (unless `config` is given),
    /// weights from `model.safetensors` or `pytorch_model.bin`, mean/std from `preprocessor_config.json` when present.
    public static func load(folder: URL, config: XCLIP.Config? = nil) throws -> Loaded {
        let configURL = folder.appendingPathComponent("config.json")
        let resolved: XCLIP.Config
        if let config {
            resolved = config
        } else {
            guard let data = try? Data(contentsOf: configURL) else {
                throw TorchError.checkpoint(path: configURL.path, reason: "cannot read the X-CLIP config.json")
            }
            do {
                resolved = try XCLIP.Config.huggingFace(json: data, name: folder.lastPathComponent)
            } catch let error as TorchError {
                throw TorchError.checkpoint(path: configURL.path, reason: error.localizedDescription)
            }
        }
        guard let weights = ["model.safetensors", "pytorch_model.bin"].map(folder.appendingPathComponent)
            .first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw TorchError.checkpoint(path: folder.path, reason: "holds neither model.safetensors nor pytorch_model.bin")
        }
        let model = try build(resolved, from: weights)
        return Loaded(model: model, normalization: try preprocessor(in: folder) ?? .imageNet)
    }

    /// A single weights file: transformers' `XCLIPModel` names (safetensors or .bin) or VideoX's `.pth`
    /// (`{"model": state_dict}`, OpenAI names). Without `config` the configuration is inferred from the shapes
    /// (see `XCLIP.Config.inferred`). Frames are normalised with ImageNet's mean/std, as both publish them.
    public static func load(file: URL, config: XCLIP.Config? = nil) throws -> Loaded {
        let (weights, huggingFace) = try canonical(Torch.loadWeights(file))
        let resolved: XCLIP.Config
        do {
            resolved = try config ?? XCLIP.Config.inferred(from: weights, huggingFaceHeads: huggingFace)
        } catch let error as TorchError {
            throw error.about(file)
        }
        return Loaded(model: try build(resolved, weights: weights, file: file), normalization: .imageNet)
    }

    /// Weights of any X-CLIP layout in `XCLIP`'s names, and whether they came in transformers' layout.
    /// VideoX checkpoints keep the state dict under `model` beside optimiser state, which is dropped.
    public static func canonical(_ weights: [String: Tensor]) throws -> (weights: [String: Tensor], huggingFace: Bool) {
        let nested = weights.keys.contains { $0.hasPrefix("model.") }
        var w: [String: Tensor] = [:]
        for (key, t) in weights where !nested || key.hasPrefix("model.") {
            var k = nested ? String(key.dropFirst("model.".count)) : key
            if k.hasPrefix("module.") { k.removeFirst("module.".count) }
            w[k] = t
        }
        let huggingFace = w.keys.contains { $0.hasPrefix("vision_model.") || $0.hasPrefix("text_model.") }
        return (huggingFace ? try HuggingFaceCLIPLayout.openAINames(w) : w, huggingFace)
    }

    /// Any X-CLIP weights file's tensors in `XCLIP`'s names, for `WeightsSource.build(_:load:)` and `Module.load(contentsOf:using:)`.
    public static func read(_ url: URL) throws -> [String: Tensor] {
        try canonical(Torch.loadWeights(url)).weights
    }

    /// Options for an X-CLIP built from a CLIP checkpoint: what CLIP does not have.
    public struct CLIPStart: Sendable, Equatable {
        public var frames: Int
        public var mitLayers: Int
        /// MIT heads; nil for projection / 64, as VideoX builds them.
        public var mitHeads: Int?
        public var promptLayers: Int
        /// Prompt-generator heads; nil for projection / 64, as VideoX builds them.
        public var promptHeads: Int?
        public var promptAlpha: Double
        /// Seed for the fresh message, MIT and prompt modules.
        public var seed: UInt64

        public init(frames: Int = 8, mitLayers: Int = 1, mitHeads: Int? = nil, promptLayers: Int = 2, promptHeads: Int? = nil,
                    promptAlpha: Double = 0.1, seed: UInt64 = 0) {
            self.frames = frames
            self.mitLayers = mitLayers
            self.mitHeads = mitHeads
            self.promptLayers = promptLayers
            self.promptHeads = promptHeads
            self.promptAlpha = promptAlpha
            self.seed = seed
        }
    }

    /// X-CLIP from a plain CLIP checkpoint (OpenAI `.pt`/state dict, open_clip, transformers `CLIPModel`): the
    /// vision and text towers and `logit_scale` from CLIP, the message, MIT and prompt modules freshly initialised
    /// (seeded) as transformers does. Tower head counts are width / 64 (OpenAI's rule); frames get CLIP's mean/std.
    public static func fromCLIP(_ url: URL, _ options: CLIPStart = CLIPStart()) throws -> Loaded {
        var w: [String: Tensor] = [:]
        for (key, t) in try Torch.loadWeights(url) {
            var k = key
            for prefix in ["state_dict.", "module."] where k.hasPrefix(prefix) { k.removeFirst(prefix.count) }
            w[k] = t
        }
        if w.keys.contains(where: { $0.hasPrefix("vision_model.") || $0.hasPrefix("text_model.") }) {
            w = try HuggingFaceCLIPLayout.openAINames(w)
        }
        w = w.filter { key, _ in !["input_resolution", "context_length", "vocab_size"].contains(key) && !key.hasSuffix("attn_mask") }
        let config: XCLIP.Config
        do {
            config = try clipConfig(w, options)
        } catch let error as TorchError {
            throw error.about(url)
        }
        Torch.seed(options.seed)
        let model = try XCLIP(config)
        let own = model.namedTensors()
        let ownNames = Set(own.map(\.name))
        let missing = own.map(\.name).filter { w[$0] == nil && !XCLIP.isVideoModule($0) }
        let unexpected = w.keys.filter { !ownNames.contains($0) }.sorted()
        if !missing.isEmpty || !unexpected.isEmpty {
            throw TorchError.checkpointMismatch(file: url.path, missing: missing, unexpected: unexpected, mismatched: [])
        }
        do {
            try model.load(w, strict: false)
        } catch let error as TorchError {
            throw error.naming(file: url.path)
        }
        return Loaded(model: model, normalization: .clip)
    }

    // MARK: Internals

    private static func build(_ config: XCLIP.Config, from file: URL) throws -> XCLIP {
        try build(config, weights: read(file), file: file)
    }

    private static func build(_ config: XCLIP.Config, weights: [String: Tensor], file: URL) throws -> XCLIP {
        let model = try XCLIP(config)
        do {
            try model.load(weights)
        } catch let error as TorchError {
            throw error.naming(file: file.path)
        }
        return model
    }

    /// `image_mean` / `image_std` of a `preprocessor_config.json`, if the folder has one.
    private static func preprocessor(in folder: URL) throws -> ImageNormalization? {
        let url = folder.appendingPathComponent("preprocessor_config.json")
        guard let data = try? Data(contentsOf: url) else { return nil }
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TorchError.checkpoint(path: url.path, reason: "not a JSON object")
        }
        guard let mean = json["image_mean"] as? [Double], let std = json["image_std"] as? [Double] else { return nil }
        guard mean.count == 3, std.count == 3, std.allSatisfy({ $0 > 0 }) else {
            throw TorchError.checkpoint(path: url.path, reason: "image_mean and image_std must hold three values (std > 0)")
        }
        return ImageNormalization(mean: mean, std: std)
    }

    /// The X-CLIP shape around a CLIP checkpoint's towers (OpenAI names).
    private static func clipConfig(_ w: [String: Tensor], _ options: CLIPStart) throws -> XCLIP.Config {
        func shape(_ key: String) throws -> [Int] {
            guard let t = w[key] else { throw TorchError.checkpointMismatch(missing: [key], unexpected: [], mismatched: []) }
            return t.shape
        }
        let text = try CLIPText.Config.inferred(from: w)
        let conv = try shape("visual.conv1.weight")
        let width = conv[0], projection = text.output
        guard width % 64 == 0 else {
            throw TorchError.invalidArgument("the CLIP vision tower is \(width) wide, not a multiple of 64: its head count is unknown")
        }
        guard try shape("visual.proj") == [width, projection] else {
            throw TorchError.invalidArgument("visual.proj is \(try shape("visual.proj")); expected [\(width), \(projection)]")
        }
        let positions = try shape("visual.positional_embedding")[0] - 1
        let grid = Int(Double(positions).squareRoot().rounded())
        let layers = w.keys.filter { $0.hasPrefix("visual.transformer.resblocks.") && $0.hasSuffix(".ln_1.weight") }.count
        func heads(_ given: Int?, _ part: String) throws -> Int {
            if let given { return given }
            guard projection % 64 == 0 else {
                throw TorchError.invalidArgument("the \(part) is \(projection) wide, not a multiple of 64: give its head count")
            }
            return projection / 64
        }
        return XCLIP.Config(
            name: "custom", text: text,
            vision: .init(resolution: grid * conv[2], patch: conv[2], width: width, layers: layers, heads: width / 64,
                          hidden: try shape("visual.transformer.resblocks.0.mlp.c_fc.weight")[0]),
            frames: options.frames,
            mit: .init(layers: options.mitLayers, heads: try heads(options.mitHeads, "MIT"), hidden: 4 * projection),
            prompt: .init(layers: options.promptLayers, heads: try heads(options.promptHeads, "prompt generator"),
                          alpha: options.promptAlpha),
            logitScale: w["logit_scale"].flatMap { try? $0.item() } ?? 2.6592
        ).recognised(otherwise: "custom")
    }
}

private extension TorchError {
    /// The error, naming the weights file it is about.
    func about(_ file: URL) -> TorchError {
        if case .invalidArgument(let reason) = self { return .checkpoint(path: file.path, reason: reason) }
        return naming(file: file.path)
    }
}
