import Foundation
import Torch

/// Maps RAFT checkpoints onto `RAFT`'s (torchvision's) parameter names.
public enum RAFTWeights {
    /// torchvision names pass through; the original princeton-vl names (`module.fnet.conv1.weight`,
    /// `update_block.gru.convz1.weight`, …) are renamed. Unknown names are kept as they are, so
    /// `Module.load` reports them as unexpected.
    public static func sanitize(_ weights: [String: Tensor]) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, tensor) in weights where !isDuplicateNorm(name, in: weights) { out[rename(name)] = tensor }
        return out
    }

    /// The original blocks register their shortcut's norm twice — as `normK` and as `downsample.1` —
    /// so its state dict holds both (norm3 in residual blocks, norm4 in bottlenecks). Keep `downsample.1`.
    static func isDuplicateNorm(_ key: String, in weights: [String: Tensor]) -> Bool {
        let parts = key.split(separator: ".").map(String.init)
        guard let i = parts.firstIndex(where: { $0.hasPrefix("norm") && $0.count == 5 }), i >= 2,
              parts[i - 2].hasPrefix("layer"), let k = Int(parts[i].dropFirst(4)) else { return false }
        let block = parts[..<i].joined(separator: ".")
        return weights.keys.contains { $0.hasPrefix(block + ".downsample.1.") } && !weights.keys.contains { $0.hasPrefix(block + ".conv\(k).") }
    }

    /// One checkpoint key in torchvision's naming.
    public static func rename(_ key: String) -> String {
        var parts = key.split(separator: ".").map(String.init)
        if parts.first == "module" { parts.removeFirst() }
        guard let head = parts.first else { return key }
        switch head {
        case "fnet", "cnet":
            parts[0] = head == "fnet" ? "feature_encoder" : "context_encoder"
            return encoderKey(parts).joined(separator: ".")
        case "update_block":
            return updateKey(parts).joined(separator: ".")
        default:
            return parts.joined(separator: ".")
        }
    }

    /// fnet.conv1 → convnormrelu.0, fnet.norm1 → convnormrelu.1, fnet.conv2 → conv,
    /// fnet.layerN.M.convK / normK → layerN.M.convnormreluK.0 / .1 (downsample.* unchanged).
    private static func encoderKey(_ p: [String]) -> [String] {
        guard p.count >= 3 else { return p }
        switch p[1] {
        case "conv1": return [p[0], "convnormrelu", "0"] + p[2...]
        case "norm1": return [p[0], "convnormrelu", "1"] + p[2...]
        case "conv2": return [p[0], "conv"] + p[2...]
        default:
            guard p[1].hasPrefix("layer"), p.count >= 5 else { return p }
            let name = p[3]
            if let k = name.dropFirst(4).first, name.hasPrefix("conv") {
                return Array(p[0...2]) + ["convnormrelu\(k)", "0"] + p[4...]
            }
            if let k = name.dropFirst(4).first, name.hasPrefix("norm") {
                return Array(p[0...2]) + ["convnormrelu\(k)", "1"] + p[4...]
            }
            return p
        }
    }

    private static func updateKey(_ p: [String]) -> [String] {
        guard p.count >= 3 else { return p }
        switch p[1] {
        case "encoder":
            let map = ["convc1": "convcorr1", "convc2": "convcorr2", "convf1": "convflow1", "convf2": "convflow2", "conv": "conv"]
            guard let renamed = map[p[2]] else { return p }
            return ["update_block", "motion_encoder", renamed, "0"] + p[3...]
        case "gru":
            // Separable GRU: convz1/convr1/convq1 (1×5) and convz2/… (5×1); the small model's plain convz/convr/convq.
            let name = p[2]
            let gate = String(name.prefix(5))
            let which = name.count > 5 ? String(name.suffix(1)) : "1"
            return ["update_block", "recurrent_block", "convgru\(which)", gate] + p[3...]
        case "flow_head":
            return p
        case "mask":
            // nn.Sequential(conv, ReLU, conv) → mask_predictor.convrelu.0 and mask_predictor.conv
            if p[2] == "0" { return ["mask_predictor", "convrelu", "0"] + p[3...] }
            if p[2] == "2" { return ["mask_predictor", "conv"] + p[3...] }
            return p
        default:
            return p
        }
    }
}

extension RAFTWeights {
    /// Reads a RAFT checkpoint (torchvision .pth, princeton-vl .pth, or .safetensors) with names mapped.
    public static func load(_ url: URL) throws -> [String: Tensor] {
        sanitize(try Torch.loadWeights(url))
    }
}
