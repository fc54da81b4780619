import Foundation
import Torch

/// Renames Hugging Face CLIP and X-CLIP state dicts (`CLIPModel`, `CLIPTextModelWithProjection`,
/// `CLIPVisionModelWithProjection`, `XCLIPModel`) into OpenAI's names, which VideoX's X-CLIP also uses:
/// `text_model.encoder.layers.N` → `transformer.resblocks.N`, `vision_model.…` → `visual.…`,
/// `mit.encoder.layers.N` → `mit.resblocks.N`; q/k/v projections packed into `in_proj_{weight,bias}`
/// (q first, as PyTorch's `nn.MultiheadAttention` stores them); `visual_projection.weight` and
/// `text_projection.weight` (Linear, (out, in)) transposed into OpenAI's x·W matrices.
///
/// Keys it does not know pass through unchanged, and a q/k/v triple with a member missing stays
/// unpacked, so strict loading names them rather than this mapping hiding them.
enum HuggingFaceCLIPLayout {
    static func openAINames(_ weights: [String: Tensor]) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        var packs: [String: [String: (key: String, tensor: Tensor)]] = [:]   // in_proj key → q/k/v parts
        for (key, tensor) in weights where !key.hasSuffix("position_ids") {
            if let (name, transpose) = renamed[key] {
                out[name] = transpose ? try tensor.transposed(0, 1).contiguous() : tensor
                continue
            }
            guard let (from, to) = layerPrefixes.first(where: { key.hasPrefix($0.0) }) else {
                out[key.replacingPrefix("prompts_generator.layernorm.", with: "prompts_generator.norm.")
                       .replacingPrefix("prompts_visual_layernorm.", with: "prompts_visual_ln.")] = tensor
                continue
            }
            let rest = key.dropFirst(from.count)                       // "3.self_attn.q_proj.weight"
            guard let dot = rest.firstIndex(of: ".") else { out[key] = tensor; continue }
            let layer = to + rest[..<dot] + ".", inner = String(rest[rest.index(after: dot)...])
            if let (attention, part, kind) = projectionPart(inner) {
                packs[layer + attention + ".in_proj_" + kind, default: [:]][part] = (key, tensor)
                continue
            }
            let mapped = innerRenames.first { inner.hasPrefix($0.0) }.map { $0.1 + inner.dropFirst($0.0.count) } ?? inner
            out[layer + mapped] = tensor
        }
        for (name, parts) in packs {
            if let q = parts["q"], let k = parts["k"], let v = parts["v"] {
                out[name] = try Tensor.cat([q.tensor, k.tensor, v.tensor], dim: 0)
            } else {
                for part in parts.values { out[part.key] = part.tensor }
            }
        }
        return out
    }

    /// Whole keys: target name, and whether the tensor is a Linear weight to transpose.
    private static let renamed: [String: (String, Bool)] = {
        var table: [String: (String, Bool)] = [
            "text_model.embeddings.token_embedding.weight": ("token_embedding.weight", false),
            "text_model.embeddings.position_embedding.weight": ("positional_embedding", false),
            "text_projection.weight": ("text_projection", true),
            "vision_model.embeddings.class_embedding": ("visual.class_embedding", false),
            "vision_model.embeddings.patch_embedding.weight": ("visual.conv1.weight", false),
            "vision_model.embeddings.position_embedding.weight": ("visual.positional_embedding", false),
            "visual_projection.weight": ("visual.proj", true),
            "prompts_visual_projection": ("prompts_visual_proj", false),
            "mit.position_embedding": ("mit.positional_embedding", false),
        ]
        for p in ["weight", "bias"] {
            table["text_model.final_layer_norm.\(p)"] = ("ln_final.\(p)", false)
            table["vision_model.pre_layrnorm.\(p)"] = ("visual.ln_pre.\(p)", false)      // CLIP's spelling
            table["vision_model.pre_layernorm.\(p)"] = ("visual.ln_pre.\(p)", false)     // X-CLIP's
            table["vision_model.post_layernorm.\(p)"] = ("visual.ln_post.\(p)", false)
        }
        return table
    }()

    private static let layerPrefixes = [("text_model.encoder.layers.", "transformer.resblocks."),
                                        ("vision_model.encoder.layers.", "visual.transformer.resblocks."),
                                        ("mit.encoder.layers.", "mit.resblocks.")]

    private static let innerRenames = [("self_attn.out_proj.", "attn.out_proj."), ("layer_norm1.", "ln_1."),
                                       ("layer_norm2.", "ln_2."), ("mlp.fc1.", "mlp.c_fc."), ("mlp.fc2.", "mlp.c_proj.")]

    /// `self_attn.k_proj.bias` → ("attn", "k", "bias"); `message_attn.q_proj.weight` → ("message_attn", "q", "weight").
    private static func projectionPart(_ inner: String) -> (String, String, String)? {
        let parts = inner.split(separator: ".")
        guard parts.count == 3, parts[0] == "self_attn" || parts[0] == "message_attn",
              ["q_proj", "k_proj", "v_proj"].contains(parts[1]), parts[2] == "weight" || parts[2] == "bias" else { return nil }
        return (parts[0] == "self_attn" ? "attn" : "message_attn", String(parts[1].prefix(1)), String(parts[2]))
    }
}

private extension String {
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
