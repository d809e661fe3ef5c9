"""
PyTorch baseline of the vlprompt benchmark. Runs one workload on the weights and spec the TypeScript side
wrote, prints one JSON line: {"workload", "runs" (ms), "peakRssMb", "threads", "torch", ...}.

  python3 bench/torch_baseline.py --spec /tmp/vlprompt-bench/spec.json --workload step-coop [--threads 2]

Workloads: matmul-peak, check, image-forward, text-train, step-<method>, step-coop-cached, e2e-coop.
"""
import argparse
import json
import math
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, __import__("os").path.dirname(__file__))
from torch_methods import METHODS, sgd_for  # noqa: E402
from torch_model import Clip, read_safetensors  # noqa: E402


def time_runs(repeats, run):
    run()  # warm-up
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        runs.append((time.perf_counter() - start) * 1000)
    return runs


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def matmul_peak(spec):
    """sgemm GFLOP/s of numpy and torch at 2048^2 (the machine's practical float32 limit)."""
    import numpy as np

    n = 2048
    a = np.random.rand(n, n).astype(np.float32)
    np_runs = time_runs(5, lambda: a @ a)
    t = torch.from_numpy(a)
    torch_runs = time_runs(5, lambda: t @ t)
    flops = 2 * n**3
    best = lambda runs: flops / (min(runs) / 1000) / 1e9  # noqa: E731
    return {"runs": torch_runs, "numpyGflops": best(np_runs), "torchGflops": best(torch_runs), "n": n}


def check(spec, clip, tensors):
    """Same weights, same inputs: compare our features with the ones the TypeScript side computed."""
    with torch.no_grad():
        image = clip.encode_image(tensors["check.images"])
        text = clip.encode_text(tensors["check.embeddings"], tensors["check.eot"].long())
    rel = lambda ours, theirs: float((ours - theirs).abs().max() / theirs.abs().max())  # noqa: E731
    return {"runs": [], "imageMaxRelDiff": rel(image, tensors["check.imageFeatures"]), "textMaxRelDiff": rel(text, tensors["check.textFeatures"])}


def image_forward(spec, clip, device):
    c = clip.c
    images = torch.randn(spec["imageBatch"], 3, c["imageResolution"], c["imageResolution"], device=device)

    def run():
        with torch.no_grad():
            clip.encode_image(images).sum().item()

    return {"runs": time_runs(spec["repeats"], run)}


def make_method(spec, clip, name, device):
    torch.manual_seed(0)
    return METHODS[name](clip, spec["prompts"][name], spec["options"].get(name, {}), device)


def step_batch(spec, clip, batch_size, device, cached):
    labels = torch.arange(batch_size, device=device) % spec["classes"]
    if cached:
        return {"features": torch.randn(batch_size, clip.c["embedDim"], device=device), "labels": labels}
    res = clip.c["imageResolution"]
    return {"images": torch.randn(batch_size, 3, res, res, device=device), "labels": labels}


def text_train(spec, clip, device):
    """CoOp prompts for every class through the text encoder, forward + backward (no update), 32 cached features."""
    method = make_method(spec, clip, "coop", device)
    batch = step_batch(spec, clip, 32, device, cached=True)

    def run():
        for p in method.params:
            p.grad = None
        loss = method.loss(batch)
        loss.backward()
        loss.item()

    return {"runs": time_runs(spec["repeats"], run)}


def train_step(spec, clip, name, device, cached=False):
    """One full training step at the method's published batch size: forward, backward, SGD update."""
    method = make_method(spec, clip, name, device)
    recipe = spec["recipes"][name]
    optimizer = sgd_for(method, recipe)
    batch = step_batch(spec, clip, recipe["batchSize"], device, cached)

    def run():
        optimizer.zero_grad(set_to_none=True)
        loss = method.loss(batch)
        loss.backward()
        optimizer.step()
        loss.item()

    return {"runs": time_runs(spec["repeats"], run), "batchSize": recipe["batchSize"]}


def dassl_lr(recipe, epoch):
    """Dassl: constant warm-up lr for warmupEpochs, then cosine over the remaining epochs (stepped per epoch)."""
    if epoch < recipe["warmupEpochs"]:
        return recipe["warmupLr"]
    return 0.5 * recipe["lr"] * (1 + math.cos(math.pi * epoch / recipe["epochs"]))


def e2e_coop(spec, clip, tensors, device):
    """CoOp 16-shot as the reference trains it: every step encodes its images, then the text side, SGD, cosine."""
    e2e = spec["e2e"]
    recipe = e2e["recipe"]
    images, labels = tensors["e2e.images"].to(device), tensors["e2e.labels"].long().to(device)
    torch.manual_seed(0)
    method = METHODS["coop"](clip, spec["prompts"]["e2e"], spec["options"].get("coop", {}), device)
    optimizer = sgd_for(method, recipe)
    generator = torch.Generator().manual_seed(0)
    size, batch_size = images.shape[0], recipe["batchSize"]
    start = time.perf_counter()
    steps, last_loss = 0, float("nan")
    for epoch in range(recipe["epochs"]):
        for group in optimizer.param_groups:
            group["lr"] = dassl_lr(recipe, epoch)
        order = torch.randperm(size, generator=generator)
        drop_last = size > batch_size
        count = size // batch_size if drop_last else 1
        for b in range(count):
            index = order[b * batch_size : (b + 1) * batch_size].to(device)
            optimizer.zero_grad(set_to_none=True)
            loss = method.loss({"images": images[index], "labels": labels[index]})
            loss.backward()
            optimizer.step()
            last_loss = loss.item()
            steps += 1
    return {"runs": [(time.perf_counter() - start) * 1000], "steps": steps, "finalLoss": last_loss}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", required=True)
    parser.add_argument("--workload", required=True)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--eot-cut", action="store_true", help="stop the text encoder at the last EOT, as vlprompt does")
    args = parser.parse_args()
    spec = json.load(open(args.spec))
    torch.set_num_threads(args.threads or spec["threads"])
    torch.manual_seed(0)
    name = args.workload
    if name == "matmul-peak":
        result = matmul_peak(spec)
    else:
        file = spec["e2e"]["weights"] if name == "e2e-coop" else spec["weights"]
        tensors, _ = read_safetensors(file)
        config = spec["e2e"]["config"] if name == "e2e-coop" else spec["config"]
        clip = Clip({k: v for k, v in tensors.items() if not k.startswith(("check.", "e2e."))}, config, args.eot_cut).to(args.device)
        if name == "check":
            result = check(spec, clip, tensors)
        elif name == "image-forward":
            result = image_forward(spec, clip, args.device)
        elif name == "text-train":
            result = text_train(spec, clip, args.device)
        elif name == "step-coop-cached":
            result = train_step(spec, clip, "coop", args.device, cached=True)
        elif name.startswith("step-"):
            result = train_step(spec, clip, name[len("step-") :], args.device)
        elif name == "e2e-coop":
            result = e2e_coop(spec, clip, tensors, args.device)
        else:
            raise SystemExit(f"torch_baseline: unknown workload {name}")
    result.update(
        workload=name,
        peakRssMb=peak_rss_mb(),
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        device=args.device,
        eotCut=args.eot_cut,
    )
    print("BENCH_RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
