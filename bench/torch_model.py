"""
The PyTorch side of the benchmark: a plain pre-LN CLIP (ViT image tower, causal text tower, QuickGELU) written
for the benchmark, and the five prompt methods as vlprompt's plugins build them (same parameter shapes, same
injection points). Weights come from the safetensors file the TypeScript side writes, under openai names, so
both sides run the same numbers. float32 throughout; CLIP weights are frozen (requires_grad False), as in the
reference prompt-tuning code, so backward computes only what the prompts need.
"""
import json
import math
import struct

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"F32": np.float32, "F16": np.float16, "I32": np.int32, "I64": np.int64, "U8": np.uint8}


def read_safetensors(path):
    """name -> float32/int torch tensor, and the metadata dict (8-byte header length, JSON header, raw data)."""
    with open(path, "rb") as handle:
        raw = handle.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    metadata = header.pop("__metadata__", {})
    base = 8 + length
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        array = np.frombuffer(raw, dtype=DTYPES[info["dtype"]], count=(end - start) // np.dtype(DTYPES[info["dtype"]]).itemsize, offset=base + start)
        tensors[name] = torch.from_numpy(array.reshape(info["shape"]).copy())
    return tensors, metadata


def layer_norm(x, w, prefix):
    return F.layer_norm(x, (x.shape[-1],), w[prefix + "weight"], w[prefix + "bias"], 1e-5)


def block(x, w, prefix, heads, causal):
    """One residual block on x [batch, tokens, width]: x + attn(ln_1(x)), then + mlp(ln_2(x))."""
    batch, tokens, width = x.shape
    h = layer_norm(x, w, prefix + "ln_1.")
    qkv = F.linear(h, w[prefix + "attn.in_proj_weight"], w[prefix + "attn.in_proj_bias"])
    q, k, v = (t.reshape(batch, tokens, heads, width // heads).transpose(1, 2) for t in qkv.chunk(3, dim=-1))
    scores = (q * (width // heads) ** -0.5) @ k.transpose(-2, -1)  # [batch, heads, tokens, tokens]
    if causal:
        scores = scores + torch.full((tokens, tokens), float("-inf"), device=x.device).triu(1)
    attended = scores.softmax(dim=-1) @ v  # [batch, heads, tokens, head_dim]
    merged = attended.transpose(1, 2).reshape(batch, tokens, width)
    x = x + F.linear(merged, w[prefix + "attn.out_proj.weight"], w[prefix + "attn.out_proj.bias"])
    h = F.linear(layer_norm(x, w, prefix + "ln_2."), w[prefix + "mlp.c_fc.weight"], w[prefix + "mlp.c_fc.bias"])
    h = h * torch.sigmoid(1.702 * h)  # QuickGELU
    return x + F.linear(h, w[prefix + "mlp.c_proj.weight"], w[prefix + "mlp.c_proj.bias"])


def expand(prompt, batch):
    return prompt if prompt.dim() == 3 else prompt.unsqueeze(0).expand(batch, -1, -1)


class Clip:
    def __init__(self, weights, config, eot_cut=False):
        self.w = {name: t.float() if t.is_floating_point() else t for name, t in weights.items()}
        for t in self.w.values():
            t.requires_grad_(False)
        self.c = config
        # eot_cut: run the text blocks only up to the last EOT, as vlprompt does (exact under the causal mask);
        # off by default: the reference code runs all context_length tokens.
        self.eot_cut = eot_cut

    def to(self, device):
        self.w = {name: t.to(device) for name, t in self.w.items()}
        return self

    def encode_image(self, images, tokens=None, deep=None):
        """images [batch, 3, res, res] -> raw features [batch, embed]; tokens [n, width] appended, deep[i] replaces them."""
        w, c = self.w, self.c
        patches = F.conv2d(images, w["visual.conv1.weight"], stride=c["visionPatchSize"])  # [b, width, grid, grid]
        x = patches.flatten(2).transpose(1, 2)
        batch = x.shape[0]
        cls = w["visual.class_embedding"].reshape(1, 1, -1).expand(batch, 1, -1)
        x = torch.cat([cls, x], dim=1) + w["visual.positional_embedding"]
        if tokens is not None:
            x = torch.cat([x, expand(tokens, batch)], dim=1)
        x = layer_norm(x, w, "visual.ln_pre.")
        for i in range(c["visionLayers"]):
            if deep is not None and i > 0 and deep.get(i) is not None:
                n = deep[i].shape[-2]
                x = torch.cat([x[:, :-n], expand(deep[i], batch)], dim=1)
            x = block(x, w, f"visual.transformer.resblocks.{i}.", c["visionHeads"], causal=False)
        return layer_norm(x[:, 0], w, "visual.ln_post.") @ w["visual.proj"]

    def encode_text(self, embeddings, eot, deep=None, start=1):
        """embeddings [sequences, tokens, width] -> raw features [sequences, embed]; deep[i] replaces tokens start..start+n."""
        w, c = self.w, self.c
        x = embeddings + w["positional_embedding"]
        if self.eot_cut:
            x = x[:, : int(eot.max()) + 1]
        for i in range(c["textLayers"]):
            if deep is not None and i > 0 and deep.get(i) is not None:
                n = deep[i].shape[-2]
                x = torch.cat([x[:, :start], expand(deep[i], x.shape[0]), x[:, start + n :]], dim=1)
            x = block(x, w, f"transformer.resblocks.{i}.", c["textHeads"], causal=True)
        x = layer_norm(x, w, "ln_final.")
        return x[torch.arange(x.shape[0]), eot] @ w["text_projection"]

    def embed(self, token_ids):
        return self.w["token_embedding.weight"][token_ids]

    def logits(self, image, text):
        image = image / image.norm(dim=-1, keepdim=True)
        text = text / text.norm(dim=-1, keepdim=True)
        scale = self.w["logit_scale"].exp()
        if text.dim() == 2:
            return scale * image @ text.t()
        return scale * torch.einsum("be,bce->bc", image, text)


def param(shape, std=0.02, device="cpu"):
    return torch.nn.Parameter(torch.randn(*shape, device=device) * std)


def linear_params(fan_in, fan_out, device):
    bound = 1 / math.sqrt(fan_in)
    weight = torch.nn.Parameter((torch.rand(fan_out, fan_in, device=device) * 2 - 1) * bound)
    bias = torch.nn.Parameter((torch.rand(fan_out, device=device) * 2 - 1) * bound)
    return weight, bias


class Prompts:
    """Frozen prefix [classes, 1, width] and suffix [classes, rest, width] around n context slots."""

    def __init__(self, clip, prompts, n):
        """prompts: {"tokenIds": [[...]] per class, "eotIndices": [...]}, as the TypeScript side tokenised them."""
        ids = torch.tensor(prompts["tokenIds"], dtype=torch.long, device=clip.w["logit_scale"].device)
        embedded = clip.embed(ids)
        self.prefix, self.suffix = embedded[:, :1], embedded[:, 1 + n :]
        self.eot = torch.tensor(prompts["eotIndices"], device=ids.device)

    def assemble(self, context):
        classes = self.prefix.shape[0]
        return torch.cat([self.prefix, context.unsqueeze(0).expand(classes, -1, -1), self.suffix], dim=1)
