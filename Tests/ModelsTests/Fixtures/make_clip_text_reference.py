"""CLIP text-encoder references for vimo's CLIPText.

usage: make_clip_text_reference.py OUT_DIR CLIP_WHEEL VOCAB REPO
Tokenizes the 140 Animal Kingdom class names with OpenAI's tokenizer (ids.*), and for seeded models writes
the weights and what the reference computes for those ids:
  tiny_openai.pth / tiny_openclip.pt  OpenAI clip/model.py CLIP (text 32 wide, 4 heads, 2 layers, output 16),
                                      state dict, and the same under {"state_dict": {"module." + key}} as
                                      open_clip's training checkpoints hold it; encode_text → tiny.*
  b32.pth                             a ViT-B/32-sized text tower (512 wide, 8 heads, 12 layers) on the first
                                      24 names; encode_text → b32.*
  hf_text/, hf_clip/                  transformers CLIPTextModelWithProjection and CLIPModel (save_pretrained),
                                      text 32 wide, MLP 64; text_embeds / get_text_features → hf_text.*, hf_clip.*
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clip_fixtures import Arrays, class_names, perturb, token_ids, tokenizer, wheel_module  # noqa: E402
from transformers import CLIPConfig, CLIPModel, CLIPTextConfig, CLIPTextModelWithProjection  # noqa: E402

out, wheel, vocab, repo = sys.argv[1:5]
torch.set_num_threads(1)
clip = wheel_module(wheel, "clip/model.py")
ids = token_ids(tokenizer(wheel, vocab), class_names(repo))
ids_file = Arrays()
ids_file.put("ids", ids)
ids_file.write(f"{out}/ids")


def reference(name, tensor):
    arrays = Arrays()
    arrays.put("embeddings", tensor.float())
    arrays.write(f"{out}/{name}")


def openai_clip(seed, width, heads, layers, output):
    torch.manual_seed(seed)
    model = clip.CLIP(output, 32, 1, 64, 16, 77, 49408, width, heads, layers).eval()   # a token vision tower
    perturb(model, seed)
    return model


with torch.no_grad():
    tiny = openai_clip(7, 32, 4, 2, 16)
    reference("tiny", tiny.encode_text(ids))
    state = tiny.state_dict()
    torch.save(state, f"{out}/tiny_openai.pth")
    torch.save({"epoch": 1, "state_dict": {"module." + k: v for k, v in state.items()}}, f"{out}/tiny_openclip.pt")

    b32 = openai_clip(8, 512, 8, 12, 512)
    reference("b32", b32.encode_text(ids[:24]))
    torch.save(b32.state_dict(), f"{out}/b32.pth")

    text_config = dict(vocab_size=49408, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                       max_position_embeddings=77, projection_dim=16, hidden_act="quick_gelu",
                       bos_token_id=49406, eos_token_id=49407, pad_token_id=1)
    torch.manual_seed(9)
    hf_text = CLIPTextModelWithProjection(CLIPTextConfig(**text_config)).eval()
    perturb(hf_text, 9)
    hf_text.save_pretrained(f"{out}/hf_text")
    reference("hf_text", hf_text(input_ids=ids).text_embeds)

    torch.manual_seed(10)
    vision_config = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=4, image_size=32, patch_size=16)
    hf_clip = CLIPModel(CLIPConfig(text_config=text_config, vision_config=vision_config, projection_dim=16)).eval()
    perturb(hf_clip, 10)
    hf_clip.save_pretrained(f"{out}/hf_clip")
    reference("hf_clip", hf_clip.get_text_features(input_ids=ids))
