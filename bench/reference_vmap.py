#!/usr/bin/env python3
"""bench/reference_vmap.py — Python's best packing, the reference for ganrun's packed runs.

K GANs (gan on mlp or dcgan28, nets layer for layer as reference_steps.py's) trained as one
stacked model the way torch.func documents it: torch.func.stack_module_state stacks the K
members' parameters and buffers into leaf tensors with a leading member dimension, and
vmap(functional_call) runs all members in one call. One torch.optim.Adam per net over the
stacked leaves updates every member at once (Adam is elementwise, so a member's moments are its
own; one lr and one pair of betas for all, as torch.optim takes them). BatchNorm runs on batch
statistics (torch.func.replace_all_batch_norm_modules_: vmap cannot update running statistics in
place). Each member gets its own batch (K x batch indices per step) and noise.

  reference_vmap.py --arch mlp|dcgan28 --pack K [--batch 64] [--seconds 4] [--repeats 5]
                    [--threads 1] [--device cpu|cuda] [--graph]

--graph (cuda only): the whole step captured as one CUDA graph (reference_steps.py's recipe:
warm-up on a side stream, capturable Adam, zero_grad(set_to_none=False) inside the capture,
batch indices and noise drawn on the device inside the graph).

Prints one line with ganrun_bench_variant's keys (impl=python-vmap ..., pack=K); images_per_s
counts every member's real images (K x batch x steps/s). Timing as reference_steps.py's.
"""
import argparse
import copy
import sys
import warnings

import torch
import torch.nn.functional as F
from torch.func import functional_call, replace_all_batch_norm_modules_, stack_module_state, vmap

from reference_steps import CRITICS, GENERATORS, measure

DATASET_BATCHES = 32


class Stacked:
    """K copies of one net as stacked leaves and the vmapped call over them."""

    def __init__(self, make, k, dev):
        members = [replace_all_batch_norm_modules_(make().to(dev)) for _ in range(k)]
        self.params, self.buffers = stack_module_state(members)
        base = copy.deepcopy(members[0]).to("meta")

        def one(params, buffers, x):
            return functional_call(base, (params, buffers), (x,))

        self.call = vmap(one)

    def __call__(self, x):  # x [K, B, ...]
        return self.call(self.params, self.buffers, x)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--arch", default="mlp", choices=["mlp", "dcgan28"])
    p.add_argument("--pack", type=int, default=8)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seconds", type=float, default=4.0)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--graph", action="store_true")
    a = p.parse_args()
    if a.graph and a.device != "cuda":
        p.error("--graph captures the step as a CUDA graph: it needs --device cuda")
    if a.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: torch sees no CUDA device")
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev, k, b = torch.device(a.device), a.pack, a.batch
    z_dim = 62 if a.arch == "dcgan28" else 100
    shape = (1, 28, 28)
    G = Stacked(lambda: GENERATORS[a.arch](z_dim, shape), k, dev)
    D = Stacked(lambda: CRITICS[a.arch](shape, 0, 1), k, dev)
    adam = dict(lr=2e-4, betas=(0.5, 0.999), capturable=a.graph)
    opt_g = torch.optim.Adam(G.params.values(), **adam)
    opt_d = torch.optim.Adam(D.params.values(), **adam)
    n = b * DATASET_BATCHES
    images = torch.randint(256, (n, *shape), dtype=torch.uint8).to(dev)

    def real():  # every member its own batch: [K, B, C, H, W] in [-1, 1]
        idx = torch.randint(n, (k * b,), device=dev)
        return images[idx].float().div_(127.5).sub_(1.0).view(k, b, *shape)

    def d_out(x):  # [K, B, C, H, W] -> [K, B, 1]; the MLP critic takes flattened images
        return D(x.flatten(2) if a.arch == "mlp" else x)

    def loss_sum(logits, target):  # each member's BCE mean, summed: each gets its own gradient
        return F.binary_cross_entropy_with_logits(
            logits, torch.full_like(logits, target), reduction="none").flatten(1).mean(1).sum()

    def step():
        x = real()
        with torch.no_grad():
            fake = G(torch.randn(k, b, z_dim, device=dev))
        opt_d.zero_grad(set_to_none=not a.graph)
        (loss_sum(d_out(x), 1.0) + loss_sum(d_out(fake), 0.0)).backward()
        opt_d.step()
        opt_g.zero_grad(set_to_none=not a.graph)
        loss_sum(d_out(G(torch.randn(k, b, z_dim, device=dev))), 1.0).backward()
        opt_g.step()

    run = lambda steps: [step() for _ in range(steps)]  # noqa: E731
    if a.graph:
        try:
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side), warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*capturable=True")
                for _ in range(3):
                    step()
            torch.cuda.current_stream().wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                step()
        except RuntimeError as e:
            sys.exit(f"reference_vmap.py: --graph: the packed step cannot be captured ({e})")
        run = lambda steps: [graph.replay() for _ in range(steps)]  # noqa: E731

    steps_per_s, rates, chunk = measure(run, dev, a.seconds, a.repeats)
    print(f"impl=python-vmap variant=gan arch={a.arch} batch={b} n_critic=1 z_dim={z_dim} "
          f"threads={torch.get_num_threads()} device={a.device} graph={int(a.graph)} pack={k} "
          f"steps_per_s={steps_per_s:.2f} min={min(rates):.2f} max={max(rates):.2f} "
          f"images_per_s={k * b * steps_per_s:.1f} chunk_steps={chunk} repeats={a.repeats}",
          flush=True)


if __name__ == "__main__":
    main()
