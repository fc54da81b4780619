"""PyTorch anchor for bench/clip.sh: OpenAI's VisionTransformer (clip/model.py from the clip-anytorch wheel)."""
import os
import sys
import time
import types
import zipfile

import torch

torch.set_num_threads(int(os.environ.get("VIMO_THREADS", os.cpu_count())))
repeats = int(os.environ.get("REPEAT", "3"))
source = zipfile.ZipFile(sys.argv[1]).read("clip/model.py").decode()
clip_model = types.ModuleType("clip_model")
exec(compile(source, "clip/model.py", "exec"), clip_model.__dict__)
torch.manual_seed(0)
images = torch.randn(16, 3, 224, 224)
# OpenAI's LayerNorm upcasts its input to float32, which fails against bfloat16 weights on the CPU
# (its fp16 path keeps LayerNorm weights in float32); in bfloat16 both sides run LayerNorm in bfloat16.
clip_model.LayerNorm.forward = torch.nn.LayerNorm.forward
for name, dtype in (("f32", torch.float32), ("bf16", torch.bfloat16)):
    model = clip_model.VisionTransformer(224, 32, 768, 12, 12, 512).eval().to(dtype)
    x = images.to(dtype)
    with torch.no_grad():
        model(x)
        best = min((lambda t0: (model(x).float().numpy(), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(repeats))
    print(f"python clip_vitb32_{name} {16 / best:.2f} img/s")
