import Foundation
import Torch

extension XCLIP {
    /// X-CLIP's shape: CLIP text and (message-token) vision towers, the multi-frame integration transformer
    /// (MIT, `projection` wide), the video-specific prompt generator, and the frame count every video has.
    public struct Config: Sendable, Equatable, Codable {
        /// The vision tower (a CLIP ViT with one message token per frame and layer).
        public struct Vision: Sendable, Equatable, Codable {
            /// Image side in pixels.
            public var resolution: Int
            /// Patch side in pixels.
            public var patch: Int
            public var width: Int
            public var layers: Int
            public var heads: Int
            /// MLP width.
            public var hidden: Int
            /// Layer-norm epsilon (also the MIT's and the prompt generator's input norm).
            public var eps: Double
            /// MLP activation (also the MIT's).
            public var activation: Activation

            public init(resolution: Int = 224, patch: Int, width: Int, layers: Int, heads: Int, hidden: Int? = nil,
                        eps: Double = 1e-5, activation: Activation = .quickGELU) {
                self.resolution = resolution
                self.patch = patch
                self.width = width
                self.layers = layers
                self.heads = heads
                self.hidden = hidden ?? 4 * width
                self.eps = eps
                self.activation = activation
            }
        }

        /// The multi-frame integration transformer: `projection` wide, with the vision tower's eps and activation.
        public struct MIT: Sendable, Equatable, Codable {
            public var layers: Int
            public var heads: Int
            /// MLP width.
            public var hidden: Int
            public init(layers: Int = 1, heads: Int, hidden: Int) {
                self.layers = layers
                self.heads = heads
                self.hidden = hidden
            }
        }

        /// The video-specific prompt generator: `layers` cross-attention decoder layers, `projection` wide.
        public struct Prompt: Sendable, Equatable, Codable {
            public var layers: Int
            public var heads: Int
            /// Initial value of the per-channel output scale `alpha`.
            public var alpha: Double
            public var activation: Activation
            public init(layers: Int = 2, heads: Int, alpha: Double = 0.1, activation: Activation = .quickGELU) {
                self.layers = layers
                self.heads = heads
                self.alpha = alpha
                self.activation = activation
            }
        }

        /// How errors and records call this configuration (`base-patch32`, `tiny`, `custom`).
        public var name: String
        /// The text tower; its `output` is the joint embedding width (`projection_dim`).
        public var text: CLIPText.Config
        public var vision: Vision
        /// Frames per video, fixed: the MIT's position embedding has one row per frame.
        public var frames: Int
        public var mit: MIT
        public var prompt: Prompt
        /// Initial `logit_scale` (ln 1/0.07).
        public var logitScale: Double

        /// Width of the joint video–text embedding.
        public var projection: Int { text.output }

        public init(name: String, text: CLIPText.Config, vision: Vision, frames: Int, mit: MIT, prompt: Prompt,
                    logitScale: Double = 2.6592) {
            self.name = name
            self.text = text
            self.vision = vision
            self.frames = frames
            self.mit = mit
            self.prompt = prompt
            self.logitScale = logitScale
        }

        /// The same configuration under another name (names do not change the model).
        public func named(_ name: String) -> Config {
            var copy = self
            copy.name = name
            return copy
        }

        /// X-CLIP base (ViT-B/32 or ViT-B/16 towers), as transformers' conversion script configures the Hub models.
        public static func base(patch: Int, frames: Int = 8) -> Config {
            Config(name: "base-patch\(patch)" + (frames == 8 ? "" : "-\(frames)-frames"), text: .vitB,
                   vision: Vision(patch: patch, width: 768, layers: 12, heads: 12), frames: frames,
                   mit: MIT(heads: 8, hidden: 2048), prompt: Prompt(heads: 8))
        }

        /// X-CLIP large (ViT-L/14 towers) at 224 or 336 px. MIT and prompt heads stay at 8, as in the Hub's
        /// configs (VideoX's own code uses width / 64 = 12; a VideoX checkpoint loaded without a config gets 12).
        public static func large(frames: Int = 8, resolution: Int = 224) -> Config {
            // Names as `named` reads them back: the Hub's 16-frame large model is the 336 px one.
            let name = switch (resolution, frames) {
            case (336, 16): "large-patch14-16-frames"
            case (224, 16): "large-patch14-224-16-frames"
            default: "large-patch14" + (resolution == 224 ? "" : "-\(resolution)") + (frames == 8 ? "" : "-\(frames)-frames")
            }
            return Config(name: name,
                   text: .vitL14, vision: Vision(resolution: resolution, patch: 14, width: 1024, layers: 24, heads: 16),
                   frames: frames, mit: MIT(heads: 8, hidden: 3072), prompt: Prompt(heads: 8))
        }

        /// base-patch32 with 8 frames: `microsoft/xclip-base-patch32`.
        public static let basePatch32 = base(patch: 32)
        /// base-patch16 with 8 frames: `microsoft/xclip-base-patch16`.
        public static let basePatch16 = base(patch: 16)
        /// large-patch14 with 8 frames at 224 px: `microsoft/xclip-large-patch14`.
        public static let largePatch14 = large()

        /// A 1.7 M-parameter model for tests and demos (32 px images, 4 frames).
        public static let tiny = Config(
            name: "tiny", text: CLIPText.Config(width: 32, heads: 4, layers: 2, output: 16, hidden: 64),
            vision: Vision(resolution: 32, patch: 8, width: 48, layers: 2, heads: 4, hidden: 96), frames: 4,
            mit: MIT(heads: 2, hidden: 32), prompt: Prompt(heads: 2))

        /// `tiny` with 112 px images in 16 px patches (7 × 7, as ViT-B/32 sees 224 px): small objects stay several
        /// pixels wide, which the demo's animals and their motion need (2.2 M parameters).
        public static let tiny112 = Config(
            name: "tiny-112", text: tiny.text,
            vision: Vision(resolution: 112, patch: 16, width: 64, layers: 2, heads: 4, hidden: 128), frames: 4,
            mit: MIT(heads: 2, hidden: 32), prompt: Prompt(heads: 2))

        /// A configuration by name: `base-patch32`, `base-patch16`, `large-patch14`, `large-patch14-336`, each
        /// optionally with `-N-frames` (8 when absent), and `tiny`, `tiny-112`. Hub names work too (`microsoft/xclip-…`,
        /// `-kinetics-600`, `-zero-shot` and `-hmdb-2-shot`-style few-shot models have 32 frames). As on the Hub,
        /// `large-patch14-16-frames` is the 336 px model; `large-patch14-224-16-frames` the 224 px one.
        public static func named(_ name: String) -> Config? {
            var rest = name
            for prefix in ["microsoft/", "xclip-"] where rest.hasPrefix(prefix) { rest.removeFirst(prefix.count) }
            if rest == "tiny" { return tiny.named(name) }
            if rest == "tiny-112" { return tiny112.named(name) }
            var frames = 8, explicitFrames = false
            for suffix in ["-kinetics-600"] where rest.hasSuffix(suffix) { rest.removeLast(suffix.count) }
            if rest.hasSuffix("-zero-shot") {
                rest.removeLast("-zero-shot".count)
                (frames, explicitFrames) = (32, true)
            }
            if let range = rest.range(of: #"-(hmdb|ucf)-[0-9]+-shot$"#, options: .regularExpression) {
                rest.removeSubrange(range)
                (frames, explicitFrames) = (32, true)
            }
            if let range = rest.range(of: #"-[0-9]+-frames$"#, options: .regularExpression) {
                guard let n = Int(rest[range].dropFirst().dropLast("-frames".count)), n > 0 else { return nil }
                rest.removeSubrange(range)
                (frames, explicitFrames) = (n, true)
            }
            let config: Config
            switch rest {
            case "base-patch32": config = base(patch: 32, frames: frames)
            case "base-patch16": config = base(patch: 16, frames: frames)
            case "large-patch14": config = large(frames: frames, resolution: frames == 16 && explicitFrames ? 336 : 224)
            case "large-patch14-224": config = large(frames: frames)
            case "large-patch14-336": config = large(frames: frames, resolution: 336)
            default: return nil
            }
            return config.named(name)
        }

        /// The published names `named` knows with 8, 16 and 32 frames, for matching a loaded configuration.
        static let known: [Config] = [8, 16, 32].flatMap { frames in
            [base(patch: 32, frames: frames), base(patch: 16, frames: frames), large(frames: frames),
             large(frames: frames, resolution: 336)]
        } + [tiny]

        /// This configuration under the published name it equals, if any.
        func recognised(otherwise fallback: String) -> Config {
            named(Self.known.first { $0.named(name) == self }?.name ?? fallback)
        }
    }
}

// MARK: - transformers' config.json

extension XCLIP.Config {
    /// Reads a transformers `XCLIPConfig` (`config.json`): `text_config`, `vision_config` (with `num_frames` and
    /// the `mit_*` fields), `projection_dim`, `prompt_*`, `logit_scale_init_value`. Absent fields take
    /// transformers' defaults, as `XCLIPConfig.from_pretrained` gives them.
    public static func huggingFace(json data: Data, name: String = "custom") throws -> XCLIP.Config {
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TorchError.invalidArgument("config.json is not a JSON object")
        }
        let text = root["text_config"] as? [String: Any] ?? [:]
        let vision = root["vision_config"] as? [String: Any] ?? [:]
        func int(_ d: [String: Any], _ key: String, _ fallback: Int) throws -> Int {
            guard let value = d[key] else { return fallback }
            guard let n = value as? Int else { throw TorchError.invalidArgument("config.json: \(key) is not a whole number") }
            return n
        }
        func double(_ d: [String: Any], _ key: String, _ fallback: Double) throws -> Double {
            guard let value = d[key] else { return fallback }
            guard let x = value as? Double else { throw TorchError.invalidArgument("config.json: \(key) is not a number") }
            return x
        }
        func activation(_ d: [String: Any], _ key: String) throws -> Activation {
            guard let value = d[key] else { return .quickGELU }
            guard let s = value as? String, let a = Activation(configName: s) else {
                throw TorchError.invalidArgument("config.json: \(key) \(value) is not an activation vimo implements")
            }
            return a
        }
        if let channels = vision["num_channels"] as? Int, channels != 3 {
            throw TorchError.invalidArgument("config.json: num_channels \(channels); X-CLIP takes RGB (3)")
        }
        let projection = try int(root, "projection_dim", 512)
        let mitWidth = try int(vision, "mit_hidden_size", 512)
        guard mitWidth == projection else {
            throw TorchError.invalidArgument("config.json: mit_hidden_size \(mitWidth) must equal projection_dim \(projection)")
        }
        let textWidth = try int(text, "hidden_size", 512)
        let config = XCLIP.Config(
            name: name,
            text: CLIPText.Config(vocabulary: try int(text, "vocab_size", 49408), context: try int(text, "max_position_embeddings", 77),
                                  width: textWidth, heads: try int(text, "num_attention_heads", 8),
                                  layers: try int(text, "num_hidden_layers", 12), output: projection,
                                  hidden: try int(text, "intermediate_size", 2048), eps: try double(text, "layer_norm_eps", 1e-5),
                                  activation: try activation(text, "hidden_act")),
            vision: Vision(resolution: try int(vision, "image_size", 224), patch: try int(vision, "patch_size", 32),
                           width: try int(vision, "hidden_size", 768), layers: try int(vision, "num_hidden_layers", 12),
                           heads: try int(vision, "num_attention_heads", 12), hidden: try int(vision, "intermediate_size", 3072),
                           eps: try double(vision, "layer_norm_eps", 1e-5), activation: try activation(vision, "hidden_act")),
            frames: try int(vision, "num_frames", 8),
            mit: MIT(layers: try int(vision, "mit_num_hidden_layers", 1), heads: try int(vision, "mit_num_attention_heads", 8),
                     hidden: try int(vision, "mit_intermediate_size", 2048)),
            prompt: Prompt(layers: try int(root, "prompt_layers", 2), heads: try int(root, "prompt_num_attention_heads", 8),
                           alpha: try double(root, "prompt_alpha", 0.1), activation: try activation(root, "prompt_hidden_act")),
            logitScale: try double(root, "logit_scale_init_value", 2.6592))
        return config.recognised(otherwise: name)
    }

    /// The shape of weights in X-CLIP's (VideoX's) names. Shapes give every size; head counts are not stored,
    /// so they follow the layout's source: width / 64 everywhere for VideoX checkpoints (as VideoX builds its
    /// models), and for Hugging Face ones width / 64 in the towers with transformers' 8 MIT and prompt heads.
    public static func inferred(from weights: [String: Tensor], huggingFaceHeads: Bool) throws -> XCLIP.Config {
        func shape(_ key: String) throws -> [Int] {
            guard let t = weights[key] else { throw TorchError.checkpointMismatch(missing: [key], unexpected: [], mismatched: []) }
            return t.shape
        }
        func count(_ prefix: String, _ suffix: String) -> Int {
            weights.keys.filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) && !$0.dropFirst(prefix.count).dropLast(suffix.count).contains(".") }.count
        }
        func heads(_ width: Int, _ part: String) throws -> Int {
            guard width % 64 == 0 else {
                throw TorchError.invalidArgument("the \(part) is \(width) wide, not a multiple of 64, so its head count cannot be inferred: give the configuration")
            }
            return width / 64
        }
        let text = try CLIPText.Config.inferred(from: weights)
        let conv = try shape("visual.conv1.weight")
        let positions = try shape("visual.positional_embedding")[0] - 1
        let grid = Int(Double(positions).squareRoot().rounded())
        guard grid * grid == positions else {
            throw TorchError.invalidArgument("visual.positional_embedding has \(positions + 1) rows, not 1 + a square grid")
        }
        let width = conv[0], projection = text.output
        guard try shape("visual.proj") == [width, projection] else {
            throw TorchError.invalidArgument("visual.proj is \(try shape("visual.proj")), expected [\(width), \(projection)]")
        }
        let vision = Vision(resolution: grid * conv[2], patch: conv[2], width: width,
                            layers: count("visual.transformer.resblocks.", ".ln_1.weight"), heads: try heads(width, "vision tower"),
                            hidden: try shape("visual.transformer.resblocks.0.mlp.c_fc.weight")[0])
        let topHeads = huggingFaceHeads ? 8 : try heads(projection, "MIT and prompt generator")
        let config = XCLIP.Config(
            name: "custom", text: text, vision: vision, frames: try shape("mit.positional_embedding")[1],
            mit: MIT(layers: count("mit.resblocks.", ".ln_1.weight"), heads: topHeads,
                     hidden: try shape("mit.resblocks.0.mlp.c_fc.weight")[0]),
            prompt: Prompt(layers: count("prompts_generator.decoder.", ".norm1.weight"), heads: topHeads))
        return config.recognised(otherwise: "custom")
    }
}
