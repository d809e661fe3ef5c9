"""
The five prompt methods in PyTorch, shaped as vlprompt's plugins (packages/plugins/src/*): same learnable
tensors, same injection points, the reference recipes' SGD. Each method's `loss(batch)` is one forward pass
and the cross-entropy; `batch` holds images or (for methods that leave the image encoder alone) features.
"""
import torch
import torch.nn.functional as F

from torch_model import Prompts, linear_params, param


def deep_blocks(depth, layers):
    """Blocks 1 .. min(depth, layers) - 1 get their own prompts (block 0 takes them through the input)."""
    return list(range(1, min(depth, layers)))


class CoOp:
    """16 shared context tokens, class name at the end (trainers/coop.py)."""

    def __init__(self, clip, prompts, options, device):
        self.clip = clip
        n = options.get("contextLength", 16)
        self.ctx = param((n, clip.c["textWidth"]), device=device)
        self.prompts = Prompts(clip, prompts, n)
        self.params = [self.ctx]

    def text_features(self):
        return self.clip.encode_text(self.prompts.assemble(self.ctx), self.prompts.eot)

    def loss(self, batch):
        image = batch["features"] if "features" in batch else self.clip.encode_image(batch["images"])
        return F.cross_entropy(self.clip.logits(image, self.text_features()), batch["labels"])


class CoCoOp:
    """4 context tokens plus the meta-net Linear(embed, embed/16)-ReLU-Linear(., width) on normalised image features."""

    def __init__(self, clip, prompts, options, device):
        self.clip = clip
        n = options.get("contextLength", 4)
        width, embed = clip.c["textWidth"], clip.c["embedDim"]
        hidden = max(1, embed // options.get("metaNetReduction", 16))
        self.ctx = param((n, width), device=device)
        self.w1, self.b1 = linear_params(embed, hidden, device)
        self.w2, self.b2 = linear_params(hidden, width, device)
        self.prompts = Prompts(clip, prompts, n)
        self.params = [self.ctx, self.w1, self.b1, self.w2, self.b2]

    def loss(self, batch):
        image = batch["features"] if "features" in batch else self.clip.encode_image(batch["images"])
        normalised = image / image.norm(dim=-1, keepdim=True)
        bias = F.linear(F.relu(F.linear(normalised, self.w1, self.b1)), self.w2, self.b2)  # [batch, width]
        shifted = self.ctx.unsqueeze(0) + bias.unsqueeze(1)  # [batch, n, width]
        prefix, suffix = self.prompts.prefix, self.prompts.suffix
        batch_size, classes = shifted.shape[0], prefix.shape[0]
        rows = torch.cat(
            [
                prefix.unsqueeze(0).expand(batch_size, -1, -1, -1),
                shifted.unsqueeze(1).expand(-1, classes, -1, -1),
                suffix.unsqueeze(0).expand(batch_size, -1, -1, -1),
            ],
            dim=2,
        ).reshape(batch_size * classes, -1, prefix.shape[-1])
        text = self.clip.encode_text(rows, self.prompts.eot.repeat(batch_size)).reshape(batch_size, classes, -1)
        return F.cross_entropy(self.clip.logits(image, text), batch["labels"])


class Vpt:
    """Deep vision prompts (8 tokens, every block), fixed hand-crafted text classifier."""

    def __init__(self, clip, prompts, options, device):
        self.clip = clip
        n, width = options.get("visionContextLength", 8), clip.c["visionWidth"]
        self.tokens = param((n, width), device=device)
        self.deep = {i: param((n, width), device=device) for i in deep_blocks(options.get("depth", 12), clip.c["visionLayers"])}
        fixed = Prompts(clip, prompts, 0)
        with torch.no_grad():
            self.text = clip.encode_text(torch.cat([fixed.prefix, fixed.suffix], dim=1), fixed.eot)
        self.params = [self.tokens, *self.deep.values()]

    def loss(self, batch):
        image = self.clip.encode_image(batch["images"], self.tokens, self.deep)
        return F.cross_entropy(self.clip.logits(image, self.text), batch["labels"])


class Maple:
    """2 text context tokens, deep text prompts to depth 9, vision prompts = Linear(textWidth -> visionWidth) of them."""

    def __init__(self, clip, prompts, options, device):
        self.clip = clip
        c = clip.c
        n, tw, vw = options.get("contextLength", 2), c["textWidth"], c["visionWidth"]
        blocks = deep_blocks(options.get("depth", 9), max(c["textLayers"], c["visionLayers"]))
        self.ctx = param((n, tw), device=device)
        self.proj = linear_params(tw, vw, device)
        self.text_deep = {i: param((n, tw), device=device) for i in blocks}
        self.deep_proj = {i: linear_params(tw, vw, device) for i in blocks}
        self.prompts = Prompts(clip, prompts, n)
        self.params = [self.ctx, *self.proj, *self.text_deep.values(), *[p for pair in self.deep_proj.values() for p in pair]]

    def loss(self, batch):
        text = self.clip.encode_text(self.prompts.assemble(self.ctx), self.prompts.eot, self.text_deep)
        tokens = F.linear(self.ctx, *self.proj)
        deep = {i: F.linear(self.text_deep[i], *self.deep_proj[i]) for i in self.text_deep}
        image = self.clip.encode_image(batch["images"], tokens, deep)
        return F.cross_entropy(self.clip.logits(image, text), batch["labels"])


class Ivlp:
    """Independent deep text (2 tokens) and deep vision (2 tokens) prompts in every block."""

    def __init__(self, clip, prompts, options, device):
        self.clip = clip
        c = clip.c
        nt, nv = options.get("textContextLength", 2), options.get("visionContextLength", 2)
        self.ctx = param((nt, c["textWidth"]), device=device)
        self.text_deep = {i: param((nt, c["textWidth"]), device=device) for i in deep_blocks(options.get("textDepth", 12), c["textLayers"])}
        self.tokens = param((nv, c["visionWidth"]), device=device)
        self.vision_deep = {i: param((nv, c["visionWidth"]), device=device) for i in deep_blocks(options.get("visionDepth", 12), c["visionLayers"])}
        self.prompts = Prompts(clip, prompts, nt)
        self.params = [self.ctx, *self.text_deep.values(), self.tokens, *self.vision_deep.values()]

    def loss(self, batch):
        text = self.clip.encode_text(self.prompts.assemble(self.ctx), self.prompts.eot, self.text_deep)
        image = self.clip.encode_image(batch["images"], self.tokens, self.vision_deep)
        return F.cross_entropy(self.clip.logits(image, text), batch["labels"])


METHODS = {"coop": CoOp, "cocoop": CoCoOp, "vpt": Vpt, "maple": Maple, "ivlp": Ivlp}


def sgd_for(method, recipe):
    """The Dassl optimizer: SGD with momentum and coupled weight decay."""
    return torch.optim.SGD(method.params, lr=recipe["lr"], momentum=recipe["momentum"], weight_decay=recipe["weightDecay"])
