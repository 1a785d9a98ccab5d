#!/usr/bin/env python3
"""bench/reference_steps.py — the plain PyTorch eager reference for ganrun_bench_variant.

Each variant's step written the way a researcher writes it in a notebook: nn.Sequential nets
layer for layer as ganrun's architectures (models/mlp.cpp, models/arch_*.cpp), the losses of
ganrun's variants (models/*_variant.cpp), torch.optim with default settings, zero_grad,
backward, step. Same shapes, batch, n_critic, optimiser and synthetic uint8 data as the C++
benchmark (toy: ring-of-8 points); the differences are those of the two loops (see bench/RESULTS.md): noise from
torch.randn (ganrun: keyed CPU generators in float64, converted), and no metrics recorded
(ganrun sums its metrics on the device every step and reads them every chunk).

  reference_steps.py --variant gan --arch mlp [--batch 64] [--threads 1] [--n-critic 1]
                     [--seconds 4] [--repeats 5] [--z-dim N] [--optimizer adam|rmsprop]
                     [--device cpu|cuda] [--graph]

--device cuda: nets, optimisers and the synthetic set live on the GPU; each batch is gathered
there (the epoch's permutation drawn with torch.randperm on the device), the noise is drawn
there; the host only launches kernels.
--graph (cuda only): the whole step (n_critic critic updates and the generator update, each
with zero_grad, backward and optimizer.step) is captured once as one CUDA graph
(torch.cuda.graph) and replayed per step, the recipe of PyTorch's CUDA-graph notes: a few
uncaptured warm-up steps on a side stream (cuDNN/cuBLAS set-up, optimiser state and every
.grad allocated outside the capture), then capture; inside, zero_grad(set_to_none=False) keeps
the .grad tensors the captured optimiser steps read. The optimisers are built with
capturable=True: a plain Adam/RMSprop keeps its step count in a CPU tensor (Adam computes its
bias correction from it on the host and hands it to the kernels as numbers), which a graph
would freeze at the capture's values, and torch.optim refuses to be captured that way; a
capturable one keeps the count on the device and does that arithmetic in the graph. In the
graph each batch's indices are drawn with torch.randint on the device (uniform, with
replacement; eager mode walks a permutation) and the noise with torch.randn on the default
CUDA generator, whose state capture registers, so each replay draws new values. A variant
whose step cannot be captured is refused with a message, not run.

Prints one line with the keys of ganrun_bench_variant's line (impl=python ...), plus device,
graph (0|1) and images_per_s (batch x steps/s: the run's real images per second, one run).
Timing: warm-up (at least 0.5 s and 3 steps) sizes the chunks; then 1 + repeats chunks, the
first discarded; steps/s is the median over the chunks. On cuda an untimed run of 3 steps
first takes the cuBLAS/cuDNN set-up, and each timed run (warm-up or chunk) is bracketed by
torch.cuda.synchronize() (no synchronisation inside one).
"""
import argparse
import math
import statistics
import sys
import time
import warnings

import torch
from torch import nn
import torch.nn.functional as F

CLASSES = 10
DATASET_BATCHES = 32  # the synthetic set holds 32 batches, as the C++ benchmark's
WARMUP_SECONDS = 0.5
WARMUP_STEPS = 3
MIN_CHUNK_STEPS = 2
GRAPH_WARMUP_STEPS = 3  # uncaptured steps on a side stream before the capture


# ---- nets, layer for layer as ganrun's architectures ---------------------------------------


def mlp_generator(z_in, shape):
    # models/mlp.cpp: z-128-256-512-1024-out, LeakyReLU 0.2, BatchNorm eps 0.8 after 2-4, tanh.
    return nn.Sequential(
        nn.Linear(z_in, 128), nn.LeakyReLU(0.2),
        nn.Linear(128, 256), nn.BatchNorm1d(256, eps=0.8), nn.LeakyReLU(0.2),
        nn.Linear(256, 512), nn.BatchNorm1d(512, eps=0.8), nn.LeakyReLU(0.2),
        nn.Linear(512, 1024), nn.BatchNorm1d(1024, eps=0.8), nn.LeakyReLU(0.2),
        nn.Linear(1024, math.prod(shape)), nn.Tanh(), nn.Unflatten(1, shape))


def mlp_critic(shape, cond, outputs):
    # in (+ one-hot) - 512 - 256 - outputs, LeakyReLU 0.2; the input arrives flattened.
    return nn.Sequential(
        nn.Linear(math.prod(shape) + cond, 512), nn.LeakyReLU(0.2),
        nn.Linear(512, 256), nn.LeakyReLU(0.2),
        nn.Linear(256, outputs))


def toy_generator(z_in, shape, depth=3, width=512):
    # models/arch_toy.cpp: depth hidden ReLU layers of `width`, then 2 (no output activation).
    layers, n = [], z_in
    for _ in range(depth):
        layers += [nn.Linear(n, width), nn.ReLU()]
        n = width
    return nn.Sequential(*layers, nn.Linear(n, 2))


def toy_critic(shape, cond, outputs, depth=3, width=512):
    layers, n = [], 2 + cond
    for _ in range(depth):
        layers += [nn.Linear(n, width), nn.ReLU()]
        n = width
    return nn.Sequential(*layers, nn.Linear(n, outputs))


def dcgan28_generator(z_in, shape):
    # models/arch_dcgan28.cpp (the collection's GAN.py): FC1024-BN-ReLU, FC 128*(s/4)^2-BN-ReLU,
    # deconv 64 (4, 2, 1)-BN-ReLU, deconv C (4, 2, 1), tanh.
    c, h, w = shape
    return nn.Sequential(
        nn.Linear(z_in, 1024), nn.BatchNorm1d(1024), nn.ReLU(),
        nn.Linear(1024, 128 * (h // 4) * (w // 4)), nn.BatchNorm1d(128 * (h // 4) * (w // 4)),
        nn.ReLU(), nn.Unflatten(1, (128, h // 4, w // 4)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, c, 4, 2, 1), nn.Tanh())


def dcgan28_critic(shape, cond, outputs):
    # conv64 (4, 2, 1)-LReLU, conv128 (4, 2, 1)-BN-LReLU, FC1024-BN-LReLU, FC outputs; a
    # condition arrives as extra input planes.
    c, h, w = shape
    return nn.Sequential(
        nn.Conv2d(c + cond, 64, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.2), nn.Flatten(),
        nn.Linear(128 * (h // 4) * (w // 4), 1024), nn.BatchNorm1d(1024), nn.LeakyReLU(0.2),
        nn.Linear(1024, outputs))


class AutoEncoder(nn.Module):
    """models/arch_autoencoder.cpp (the collection's EBGAN.py / BEGAN.py discriminators)."""

    def __init__(self, shape, ebgan_form):
        super().__init__()
        c, h, w = shape
        hidden = 64 * (h // 2) * (w // 2)
        self.encoder = nn.Sequential(nn.Conv2d(c, 64, 4, 2, 1), nn.ReLU(), nn.Flatten(),
                                     nn.Linear(hidden, 32))
        middle = [nn.BatchNorm1d(hidden), nn.ReLU()] if ebgan_form else []
        self.decoder = nn.Sequential(nn.Linear(32, hidden), *middle,
                                     nn.Unflatten(1, (64, h // 2, w // 2)),
                                     nn.ConvTranspose2d(64, c, 4, 2, 1))

    def forward(self, x):
        code = self.encoder(x)
        return self.decoder(code), code


GENERATORS = {"toy": toy_generator, "mlp": mlp_generator, "dcgan28": dcgan28_generator,
              "ae28": dcgan28_generator}
CRITICS = {"toy": toy_critic, "mlp": mlp_critic, "dcgan28": dcgan28_critic}


def critic_input(arch, x, onehot=None):
    """What D sees: MLPs take the flattened image (+ one-hot), conv nets image (+ label planes)."""
    if arch in ("mlp", "toy"):
        x = x.flatten(1)
        return x if onehot is None else torch.cat([x, onehot], 1)
    if onehot is None:
        return x
    planes = onehot[:, :, None, None].expand(-1, -1, x.size(2), x.size(3))
    return torch.cat([x, planes], 1)


# ---- variants: the losses of models/*_variant.cpp ------------------------------------------

bce = F.binary_cross_entropy_with_logits


def ones(t):
    return torch.ones_like(t)


def zeros(t):
    return torch.zeros_like(t)


def input_gradient_penalty(D, points, lam):
    out = D(points)
    grad, = torch.autograd.grad(out, points, torch.ones_like(out), create_graph=True)
    return lam * (grad.flatten(1).norm(2, dim=1) - 1).pow(2).mean()


class Bench:
    """Nets, optimisers and the two updates of one variant."""

    def __init__(self, a):
        self.a, self.arch = a, a.arch
        self.dev = torch.device(a.device)
        # Toy points are [B, 2] here (ganrun's loop hands [B, 2, 1, 1] to a critic that
        # flattens them).
        self.shape = (2,) if a.arch == "toy" else (1, 28, 28)
        v = a.variant
        self.z_in = a.z_dim + {"cgan": CLASSES, "acgan": CLASSES, "infogan": 12}.get(v, 0)
        self.G = GENERATORS[a.arch](self.z_in, self.shape)
        if v in ("ebgan", "began"):
            self.D = AutoEncoder(self.shape, ebgan_form=v == "ebgan")
        else:
            cond = CLASSES if v == "cgan" else 0
            outputs = {"acgan": 1 + CLASSES, "infogan": 13}.get(v, 1)
            self.D = CRITICS[a.arch](self.shape, cond, outputs)
        self.G, self.D = self.G.to(self.dev), self.D.to(self.dev)
        # capturable: step count and bias correction on the device, so a graph replays them.
        cap = a.graph
        opt = {"adam": lambda p: torch.optim.Adam(p, lr=2e-4, betas=(0.5, 0.999), capturable=cap),
               "rmsprop": lambda p: torch.optim.RMSprop(p, lr=2e-4, capturable=cap)}[a.optimizer]
        self.opt_g, self.opt_d = opt(self.G.parameters()), opt(self.D.parameters())
        # A captured step zeroes the .grad tensors it reads instead of replacing them.
        self.set_to_none = not a.graph
        self.k = torch.zeros((), device=self.dev)  # BEGAN's k_t, updated in place
        self.real_loss = None

    def noise(self):
        return torch.randn(self.a.batch, self.a.z_dim, device=self.dev)

    def d(self, x, onehot=None):
        return self.D(critic_input(self.arch, x, onehot))

    def onehot(self, y):
        return F.one_hot(y, CLASSES).float()

    def infogan_codes(self):
        cat = torch.randint(CLASSES, (self.a.batch,), device=self.dev)
        cont = torch.rand(self.a.batch, 2, device=self.dev) * 2 - 1
        return cat, cont

    # One critic update on a real batch (x in [-1, 1], labels y).
    def d_step(self, x, y):
        v = self.a.variant
        if v == "infogan":
            cat, cont = self.infogan_codes()
        with torch.no_grad():
            z = self.noise()
            if v in ("cgan", "acgan"):
                fake = self.G(torch.cat([z, self.onehot(y)], 1))
            elif v == "infogan":
                fake = self.G(torch.cat([z, cont, self.onehot(cat)], 1))
            else:
                fake = self.G(z)
        self.labels = y
        self.opt_d.zero_grad(set_to_none=self.set_to_none)
        if v == "gan":
            r, f = self.d(x), self.d(fake)
            loss = bce(r, ones(r)) + bce(f, zeros(f))
        elif v == "lsgan":
            r, f = self.d(x), self.d(fake)
            loss = 0.5 * (r - 1).pow(2).mean() + 0.5 * f.pow(2).mean()
        elif v == "wgan":
            loss = self.d(fake).mean() - self.d(x).mean()
        elif v == "wgan-gp":
            loss = self.d(fake).mean() - self.d(x).mean()
            alpha = torch.rand(x.size(0), *[1] * (x.dim() - 1), device=self.dev)
            x_hat = (alpha * x + (1 - alpha) * fake).requires_grad_(True)
            loss = loss + input_gradient_penalty(self.d, x_hat, 10.0)
        elif v == "dragan":
            r, f = self.d(x), self.d(fake)
            loss = bce(r, ones(r)) + bce(f, zeros(f))
            alpha = torch.rand(x.size(0), *[1] * (x.dim() - 1), device=self.dev)
            x_p = x + 0.5 * x.std() * torch.rand_like(x)
            x_hat = (x + alpha * (x_p - x)).requires_grad_(True)
            loss = loss + input_gradient_penalty(self.d, x_hat, 10.0)
        elif v == "cgan":
            c = self.onehot(y)
            r, f = self.d(x, c), self.d(fake, c)
            loss = bce(r, ones(r)) + bce(f, zeros(f))
        elif v == "acgan":
            r, f = self.d(x), self.d(fake)
            loss = (bce(r[:, 0], ones(r[:, 0])) + bce(f[:, 0], zeros(f[:, 0]))
                    + F.cross_entropy(r[:, 1:], y) + F.cross_entropy(f[:, 1:], y))
        elif v == "infogan":
            r, f = self.d(x), self.d(fake)
            loss = (bce(r[:, 0], ones(r[:, 0])) + bce(f[:, 0], zeros(f[:, 0]))
                    + F.cross_entropy(f[:, 3:], cat) + F.mse_loss(f[:, 1:3], cont))
        elif v == "ebgan":
            real_energy = (self.D(x)[0] - x).pow(2).flatten(1).mean(1)
            fake_energy = (self.D(fake)[0] - fake).pow(2).flatten(1).mean(1)
            loss = real_energy.mean() + F.relu(1.0 - fake_energy).mean()
        elif v == "began":
            real_loss = (self.D(x)[0] - x).abs().flatten(1).mean(1).mean()
            fake_loss = (self.D(fake)[0] - fake).abs().flatten(1).mean(1).mean()
            loss = real_loss - self.k * fake_loss
            self.real_loss = real_loss.detach()
        loss.backward()
        self.opt_d.step()
        if v == "wgan":
            # models/wgan_variant.cpp, clip: weights: every weight outside normalisation layers.
            with torch.no_grad():
                for m in self.D.modules():
                    if isinstance(m, (nn.Linear, nn.Conv2d)):
                        m.weight.clamp_(-0.01, 0.01)

    def g_step(self):
        v = self.a.variant
        z = self.noise()
        self.opt_g.zero_grad(set_to_none=self.set_to_none)
        if v in ("gan", "dragan"):
            f = self.d(self.G(z))
            loss = bce(f, ones(f))
        elif v == "lsgan":
            loss = 0.5 * (self.d(self.G(z)) - 1).pow(2).mean()
        elif v in ("wgan", "wgan-gp"):
            loss = -self.d(self.G(z)).mean()
        elif v == "cgan":
            c = self.onehot(self.labels)
            f = self.d(self.G(torch.cat([z, c], 1)), c)
            loss = bce(f, ones(f))
        elif v == "acgan":
            f = self.d(self.G(torch.cat([z, self.onehot(self.labels)], 1)))
            loss = bce(f[:, 0], ones(f[:, 0])) + F.cross_entropy(f[:, 1:], self.labels)
        elif v == "infogan":
            cat, cont = self.infogan_codes()
            f = self.d(self.G(torch.cat([z, cont, self.onehot(cat)], 1)))
            loss = (bce(f[:, 0], ones(f[:, 0])) + F.cross_entropy(f[:, 3:], cat)
                    + F.mse_loss(f[:, 1:3], cont))
        elif v == "ebgan":
            fake = self.G(z)
            recon, code = self.D(fake)
            energy = (recon - fake).pow(2).flatten(1).mean(1).mean()
            s = code / code.norm(2, dim=1, keepdim=True)
            sim = (s @ s.t()).pow(2)
            n = s.size(0)
            pullaway = (sim.sum() - sim.diagonal().sum()) / (n * (n - 1))
            loss = energy + 0.1 * pullaway
        elif v == "began":
            fake = self.G(z)
            loss = (self.D(fake)[0] - fake).abs().flatten(1).mean(1).mean()
        loss.backward()
        self.opt_g.step()
        if v == "began":
            with torch.no_grad():
                fake_loss = loss.detach()
                self.k.copy_((self.k + 1e-3 * (0.5 * self.real_loss - fake_loss)).clamp(0, 1))
                self.convergence = self.real_loss + (0.5 * self.real_loss - fake_loss).abs()


# ---- the loop and its timing ---------------------------------------------------------------


def capture_step(bench, step):
    """`step` (one whole training step) captured as one CUDA graph, PyTorch's recipe; exits
    with a message if it cannot be captured."""
    a = bench.a
    try:
        # Uncaptured warm-up on a side stream: cuDNN/cuBLAS set-up, the optimisers' state and
        # every .grad are made here, outside the graph (zero_grad(set_to_none=False) in the
        # step then keeps those .grad tensors, the ones the captured optimiser steps read).
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side), warnings.catch_warnings():
            # torch.optim warns that a capturable optimiser steps uncaptured: intended here.
            warnings.filterwarnings("ignore", message=".*capturable=True")
            for _ in range(GRAPH_WARMUP_STEPS):
                step()
        torch.cuda.current_stream().wait_stream(side)
        if any(p.grad is None for m in (bench.G, bench.D) for p in m.parameters()):
            raise RuntimeError("a parameter has no .grad after the warm-up")
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            step()
        # One replay, checked: it must move the generator (a graph that lost its optimiser
        # step or its inputs would run, fast and wrong).
        before = [p.detach().clone() for p in bench.G.parameters()]
        graph.replay()
        if all(torch.equal(b, p) for b, p in zip(before, bench.G.parameters())):
            raise RuntimeError("a replay left the generator's parameters unchanged")
    except RuntimeError as e:
        while isinstance(e.__context__, RuntimeError):  # the first failure, not capture_end's
            e = e.__context__
        why = (str(e).strip().splitlines() or [type(e).__name__])[0]
        sys.exit(f"reference_steps.py: --graph: the {a.variant} step on {a.arch} cannot be "
                 f"captured as one CUDA graph ({why}); run it without --graph")
    return graph


def measure(run, dev, seconds, repeats):
    """(median steps/s, the chunks' rates, steps per chunk) of `run(steps)`: warm-up (at least
    WARMUP_SECONDS and WARMUP_STEPS) sizes the chunks, then 1 + repeats chunks, the first
    discarded as the C++ loop's; on cuda each timed run is bracketed by a synchronisation and an
    untimed run first takes the cuBLAS/cuDNN set-up. Also used by reference_vmap.py."""
    sync = torch.cuda.synchronize if dev.type == "cuda" else lambda: None

    def timed(steps):  # seconds for `steps` steps; on cuda the queue drained at both ends
        sync()
        t0 = time.perf_counter()
        run(steps)
        sync()
        return time.perf_counter() - t0

    if dev.type == "cuda":  # cuBLAS/cuDNN set-up, kept out of the steps that size the chunks
        timed(WARMUP_STEPS)
    warm, elapsed = WARMUP_STEPS, 0.0
    while elapsed < WARMUP_SECONDS:
        elapsed = timed(warm)
        step_s = elapsed / warm
        warm *= 2
    chunk = max(MIN_CHUNK_STEPS, round(seconds / repeats / step_s))
    rates = [chunk / timed(chunk) for _ in range(1 + repeats)][1:]
    return statistics.median(rates), rates, chunk


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--variant", default="gan")
    p.add_argument("--arch", default="mlp")
    p.add_argument("--optimizer", default="adam", choices=["adam", "rmsprop"])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--n-critic", type=int, default=1)
    p.add_argument("--z-dim", type=int, default=0)
    p.add_argument("--seconds", type=float, default=4.0)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--graph", action="store_true",
                   help="capture the whole step as one CUDA graph and replay it (cuda only)")
    a = p.parse_args()
    if a.graph and a.device != "cuda":
        p.error("--graph captures the step as a CUDA graph: it needs --device cuda")
    if a.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: torch sees no CUDA device (torch.cuda.is_available() is False)")
    if a.z_dim == 0:
        a.z_dim = {"toy": 2, "dcgan28": 62, "ae28": 62}.get(a.arch, 100)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)

    bench = Bench(a)
    shape, dev = bench.shape, bench.dev
    n = a.batch * a.n_critic * DATASET_BATCHES
    # Made on the CPU (the same values on every device), then moved to the device.
    if a.arch == "toy":  # toy-ring8: 8 Gaussians (sigma 0.02) on a circle of radius 2, float64
        angle = torch.randint(8, (n,)) * (2 * math.pi / 8)
        points = torch.stack([angle.cos(), angle.sin()], 1).double() * 2
        points += 0.02 * torch.randn(n, 2, dtype=torch.float64)
        points = points.to(dev)
    else:
        images = torch.randint(256, (n, *shape), dtype=torch.uint8).to(dev)
    labels = torch.randint(CLASSES, (n,)).to(dev)
    state = {"order": torch.randperm(n, device=dev), "next": 0}

    def gather(idx):
        if a.arch == "toy":
            return points[idx].float(), labels[idx]
        return images[idx].float().div_(127.5).sub_(1.0), labels[idx]

    def next_batch():
        if state["next"] + a.batch > n:
            state["order"], state["next"] = torch.randperm(n, device=dev), 0
        idx = state["order"][state["next"]:state["next"] + a.batch]
        state["next"] += a.batch
        return gather(idx)

    def random_batch():  # in the graph: indices from the device's generator, no host state
        return gather(torch.randint(n, (a.batch,), device=dev))

    def train_step(batch):
        for _ in range(a.n_critic):
            bench.d_step(*batch())
        bench.g_step()

    if a.graph:
        graph = capture_step(bench, lambda: train_step(random_batch))

        def run(steps):
            for _ in range(steps):
                graph.replay()
    else:
        def run(steps):
            for _ in range(steps):
                train_step(next_batch)

    steps_per_s, rates, chunk = measure(run, dev, a.seconds, a.repeats)
    print(f"impl=python variant={a.variant} arch={a.arch} batch={a.batch} n_critic={a.n_critic} "
          f"z_dim={a.z_dim} threads={torch.get_num_threads()} device={a.device} "
          f"graph={int(a.graph)} steps_per_s={steps_per_s:.2f} min={min(rates):.2f} "
          f"max={max(rates):.2f} images_per_s={a.batch * steps_per_s:.1f} chunk_steps={chunk} "
          f"repeats={a.repeats}", flush=True)


if __name__ == "__main__":
    main()
