"""`preset: collection` trains as the collection did, update for update.

An independent PyTorch version of the training iterations of the collection's files
(znxlwm/pytorch-generative-model-collections at commit 4caaace: GAN.py, LSGAN.py, WGAN.py,
WGAN_GP.py, DRAGAN.py, EBGAN.py, BEGAN.py), written from those files' code in the order they
run it, is fed ganrun's initial weights, real batches and random draws (tools/collection_trace.cpp
records them while ganrun's own step loop trains under the preset, float64, batch 8: 3
iterations, or 2 generator steps = 10 iterations at n_critic 5) and must land on ganrun's
parameters and BatchNorm statistics within 1e-10.

Written here as the collection writes it, not as ganrun does: D ends in nn.Sigmoid and the GAN
losses are nn.BCELoss on probabilities (ganrun: BCE with logits); nn.MSELoss without a 1/2; every
iteration draws z_ and the generator update reuses it (`G_ = self.G(z_)`); critic and generator
updates interleave by `(iter + 1) % n_critic`; WGAN clamps every D parameter after D's step; the
penalties go through torch.autograd.grad with create_graph, D(x_hat) in train mode (BatchNorm
over the interpolates); DRAGAN differentiates D's sigmoid output and perturbs by x_.std()
(unbiased); EBGAN's hinge is on the batch-mean energy, its generator energy detaches G_, its
pull-away divides by one L1 norm of the whole code batch; BEGAN's k moves by the iteration's
D_real_loss and G_loss. Networks: the collection's generator/discriminator classes (BatchNorm
weights come from ganrun's initial state, so PyTorch 0.4's U(0, 1) init is part of what is fed).

Only the random numbers are taken from ganrun (the draws are keyed there, see
models/run_random.h); their count per step is checked too, so a draw ganrun makes and the
collection does not (a fresh z for the generator update) fails the test.
"""

import subprocess

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

# main.py defaults and the model files' constants (the collection's, not read from ganrun).
LR, BETAS = 2e-4, (0.5, 0.999)
Z_DIM = 62
TOLERANCE = 1e-10
# A bias that feeds a train-mode BatchNorm has gradient exactly 0 (the batch mean removes it), so
# what it receives is rounding noise (|g| ~ 1e-15 after WGAN-GP's double backward), which Adam
# scales to lr g / (|g| + eps): such a bias, and the running mean of the BatchNorm after it, can
# drift by ~1e-9 differently in two correct implementations. They are held to this instead.
# Each net class below names its own (ZERO_GRADIENT).
ZERO_GRADIENT_TOLERANCE = 1e-8


class Generator(nn.Module):
    """The collection's MNIST generator: FC1024_BR-FC7x7x128_BR-(64)4dc2s_BR-(1)4dc2s_T."""

    ZERO_GRADIENT = {"fc.0.bias", "fc.1.running_mean", "fc.3.bias", "fc.4.running_mean",
                     "deconv.0.bias", "deconv.1.running_mean"}

    def __init__(self):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(Z_DIM, 1024), nn.BatchNorm1d(1024), nn.ReLU(),
                                nn.Linear(1024, 128 * 7 * 7), nn.BatchNorm1d(128 * 7 * 7),
                                nn.ReLU())
        self.deconv = nn.Sequential(nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64),
                                    nn.ReLU(), nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())

    def forward(self, z):
        return self.deconv(self.fc(z).view(-1, 128, 7, 7))


class Discriminator(nn.Module):
    """(64)4c2s-(128)4c2s_BL-FC1024_BL-FC1, with nn.Sigmoid at the end where the file has it."""

    ZERO_GRADIENT = {"conv.2.bias", "conv.3.running_mean", "fc.0.bias", "fc.1.running_mean"}

    def __init__(self, sigmoid):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
                                  nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128),
                                  nn.LeakyReLU(0.2))
        tail = [nn.Sigmoid()] if sigmoid else []
        self.fc = nn.Sequential(nn.Linear(128 * 7 * 7, 1024), nn.BatchNorm1d(1024),
                                nn.LeakyReLU(0.2), nn.Linear(1024, 1), *tail)

    def forward(self, x):
        return self.fc(self.conv(x).view(-1, 128 * 7 * 7))


class EbganDiscriminator(nn.Module):
    """EBGAN.py's auto-encoder: (64)4c2s-FC32-FC64*14*14_BR-(1)4dc2s; returns (x, code)."""

    ZERO_GRADIENT = {"fc.0.bias", "fc.1.running_mean"}

    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.ReLU())
        self.code = nn.Sequential(nn.Linear(64 * 14 * 14, 32))
        self.fc = nn.Sequential(nn.Linear(32, 64 * 14 * 14), nn.BatchNorm1d(64 * 14 * 14),
                                nn.ReLU())
        self.deconv = nn.Sequential(nn.ConvTranspose2d(64, 1, 4, 2, 1))

    def forward(self, x):
        code = self.code(self.conv(x).view(x.size(0), -1))
        return self.deconv(self.fc(code).view(-1, 64, 14, 14)), code


class BeganDiscriminator(nn.Module):
    """BEGAN.py's auto-encoder: (64)4c2s-FC32-FC64*14*14-(1)4dc2s."""

    ZERO_GRADIENT = set()  # no BatchNorm

    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.ReLU())
        self.fc = nn.Sequential(nn.Linear(64 * 14 * 14, 32), nn.Linear(32, 64 * 14 * 14))
        self.deconv = nn.Sequential(nn.ConvTranspose2d(64, 1, 4, 2, 1))

    def forward(self, x):
        return self.deconv(self.fc(self.conv(x).view(x.size(0), -1)).view(-1, 64, 14, 14))


# This file's module paths -> ganrun's (models/arch_dcgan28.cpp, arch_autoencoder.cpp).
G_NAMES = {"fc.0": "fc1", "fc.1": "bn1", "fc.3": "fc2", "fc.4": "bn2", "deconv.0": "deconv1",
           "deconv.1": "bn3", "deconv.3": "deconv2"}
D_NAMES = {"conv.0": "conv1", "conv.2": "conv2", "conv.3": "norm2", "fc.0": "fc1",
           "fc.1": "norm3", "fc.3": "fc2"}
EBGAN_D_NAMES = {"conv.0": "conv", "code.0": "code", "fc.0": "fc", "fc.1": "norm",
                 "deconv.0": "deconv"}
BEGAN_D_NAMES = {"conv.0": "conv", "fc.0": "code", "fc.1": "fc", "deconv.0": "deconv"}


def ganrun_name(key, names):
    module, _, leaf = key.rpartition(".")
    return f"{names[module]}.{leaf}"


def load_ganrun_state(net, names, state):
    own = net.state_dict()
    assert len(own) == len(state), (sorted(own), sorted(state))
    net.load_state_dict({k: state[ganrun_name(k, names)] for k in own})


def largest_difference(net, names, state, tolerance=lambda key: 1.0):
    """max |this file's value - ganrun's| / tolerance(key) over every parameter and buffer, and
    where."""
    worst, where = 0.0, None
    for key, value in net.state_dict().items():
        diff = (value.double() - state[ganrun_name(key, names)].double()).abs().max().item()
        if diff / tolerance(key) > worst or where is None:
            worst, where = diff / tolerance(key), key
    return worst, where


def tolerance_of(net):
    return lambda key: ZERO_GRADIENT_TOLERANCE if key in net.ZERO_GRADIENT else TOLERANCE


def adam(net):
    return torch.optim.Adam(net.parameters(), lr=LR, betas=BETAS)


def gradient_norms(pred_hat, x_hat):
    gradients = torch.autograd.grad(outputs=pred_hat, inputs=x_hat,
                                    grad_outputs=torch.ones(pred_hat.size(), dtype=torch.float64),
                                    create_graph=True, retain_graph=True, only_inputs=True)[0]
    return gradients.view(gradients.size()[0], -1).norm(2, 1)


# ---- one iteration of each file: (x_, z_, draw) -> None, stepping G and D -------------------
# `draw()` hands out ganrun's next random draw of the iteration (after z_); `update_g` says
# whether this iteration updates G ((iter + 1) % n_critic == 0).

class Collection:
    n_critic = 1

    def __init__(self, d_names=D_NAMES):
        self.G = Generator().double()
        self.D = self.make_d().double()
        self.d_names = d_names
        self.bce, self.mse = nn.BCELoss(), nn.MSELoss()

    def make_d(self):
        return Discriminator(sigmoid=True)

    def start(self, g_state, d_state):
        load_ganrun_state(self.G, G_NAMES, g_state)
        load_ganrun_state(self.D, self.d_names, d_state)
        self.G_optimizer, self.D_optimizer = adam(self.G), adam(self.D)
        self.G.train()
        self.D.train()


class GanFile(Collection):  # GAN.py
    def iteration(self, x_, z_, draw, update_g):
        ones, zeros = torch.ones(x_.size(0), 1).double(), torch.zeros(x_.size(0), 1).double()
        self.D_optimizer.zero_grad()
        D_real_loss = self.bce(self.D(x_), ones)
        G_ = self.G(z_)
        D_fake_loss = self.bce(self.D(G_), zeros)
        (D_real_loss + D_fake_loss).backward()
        self.D_optimizer.step()
        self.G_optimizer.zero_grad()
        G_loss = self.bce(self.D(self.G(z_)), ones)
        G_loss.backward()
        self.G_optimizer.step()


class LsganFile(Collection):  # LSGAN.py: no sigmoid, MSE to 1 / 0
    def make_d(self):
        return Discriminator(sigmoid=False)

    def iteration(self, x_, z_, draw, update_g):
        ones, zeros = torch.ones(x_.size(0), 1).double(), torch.zeros(x_.size(0), 1).double()
        self.D_optimizer.zero_grad()
        D_real_loss = self.mse(self.D(x_), ones)
        G_ = self.G(z_)
        D_fake_loss = self.mse(self.D(G_), zeros)
        (D_real_loss + D_fake_loss).backward()
        self.D_optimizer.step()
        self.G_optimizer.zero_grad()
        G_loss = self.mse(self.D(self.G(z_)), ones)
        G_loss.backward()
        self.G_optimizer.step()


class WganFile(Collection):  # WGAN.py: clamp every D parameter, G every n_critic iterations
    n_critic = 5
    c = 0.01

    def make_d(self):
        return Discriminator(sigmoid=False)

    def iteration(self, x_, z_, draw, update_g):
        self.D_optimizer.zero_grad()
        D_real_loss = -torch.mean(self.D(x_))
        G_ = self.G(z_)
        D_fake_loss = torch.mean(self.D(G_))
        (D_real_loss + D_fake_loss).backward()
        self.D_optimizer.step()
        for p in self.D.parameters():
            p.data.clamp_(-self.c, self.c)
        if update_g:
            self.G_optimizer.zero_grad()
            G_loss = -torch.mean(self.D(self.G(z_)))
            G_loss.backward()
            self.G_optimizer.step()


class WganGpFile(Collection):  # WGAN_GP.py
    n_critic = 5
    lambda_ = 10

    def make_d(self):
        return Discriminator(sigmoid=False)

    def iteration(self, x_, z_, draw, update_g):
        self.D_optimizer.zero_grad()
        D_real_loss = -torch.mean(self.D(x_))
        G_ = self.G(z_)
        D_fake_loss = torch.mean(self.D(G_))
        alpha = draw().reshape(x_.size(0), 1, 1, 1)
        x_hat = alpha * x_.data + (1 - alpha) * G_.data
        x_hat.requires_grad = True
        pred_hat = self.D(x_hat)
        gradient_penalty = self.lambda_ * ((gradient_norms(pred_hat, x_hat) - 1) ** 2).mean()
        (D_real_loss + D_fake_loss + gradient_penalty).backward()
        self.D_optimizer.step()
        if update_g:
            self.G_optimizer.zero_grad()
            G_loss = -torch.mean(self.D(self.G(z_)))
            G_loss.backward()
            self.G_optimizer.step()


class DraganFile(Collection):  # DRAGAN.py
    lambda_ = 0.25

    def iteration(self, x_, z_, draw, update_g):
        ones, zeros = torch.ones(x_.size(0), 1).double(), torch.zeros(x_.size(0), 1).double()
        self.D_optimizer.zero_grad()
        D_real_loss = self.bce(self.D(x_), ones)
        G_ = self.G(z_)
        D_fake_loss = self.bce(self.D(G_), zeros)
        alpha = draw().reshape(x_.size(0), 1, 1, 1)
        x_p = x_ + 0.5 * x_.std() * draw().reshape(x_.size())
        differences = x_p - x_
        interpolates = x_ + (alpha * differences)
        interpolates.requires_grad = True
        pred_hat = self.D(interpolates)
        gradient_penalty = self.lambda_ * ((gradient_norms(pred_hat, interpolates) - 1) ** 2).mean()
        (D_real_loss + D_fake_loss + gradient_penalty).backward()
        self.D_optimizer.step()
        self.G_optimizer.zero_grad()
        G_loss = self.bce(self.D(self.G(z_)), ones)
        G_loss.backward()
        self.G_optimizer.step()


class EbganFile(Collection):  # EBGAN.py
    pt_loss_weight = 0.1
    margin = 1

    def __init__(self):
        super().__init__(EBGAN_D_NAMES)

    def make_d(self):
        return EbganDiscriminator()

    @staticmethod
    def pullaway_loss(embeddings):
        norm = torch.norm(embeddings, 1)
        normalized_embeddings = embeddings / norm
        similarity = torch.matmul(normalized_embeddings, normalized_embeddings.transpose(1, 0)) ** 2
        batch_size = embeddings.size()[0]
        return (torch.sum(similarity) - batch_size) / (batch_size * (batch_size - 1))

    def iteration(self, x_, z_, draw, update_g):
        self.D_optimizer.zero_grad()
        D_real, _ = self.D(x_)
        D_real_loss = self.mse(D_real, x_)
        G_ = self.G(z_)
        D_fake, _ = self.D(G_)
        D_fake_loss = self.mse(D_fake, G_.detach())
        (D_real_loss + torch.clamp(self.margin - D_fake_loss, min=0)).backward()
        self.D_optimizer.step()
        self.G_optimizer.zero_grad()
        G_ = self.G(z_)
        D_fake, D_fake_code = self.D(G_)
        D_fake_loss = self.mse(D_fake, G_.detach())
        G_loss = D_fake_loss + self.pt_loss_weight * self.pullaway_loss(
            D_fake_code.view(x_.size(0), -1))
        G_loss.backward()
        self.G_optimizer.step()


class BeganFile(Collection):  # BEGAN.py (its optimisers' lr is 0.0002 whatever the flags say)
    gamma = 1
    lambda_ = 0.001

    def __init__(self):
        super().__init__(BEGAN_D_NAMES)
        self.k = 0.0

    def make_d(self):
        return BeganDiscriminator()

    def iteration(self, x_, z_, draw, update_g):
        self.D_optimizer.zero_grad()
        D_real_loss = torch.mean(torch.abs(self.D(x_) - x_))
        G_ = self.G(z_)
        D_fake_loss = torch.mean(torch.abs(self.D(G_) - G_))
        (D_real_loss - self.k * D_fake_loss).backward()
        self.D_optimizer.step()
        self.G_optimizer.zero_grad()
        G_ = self.G(z_)
        G_loss = torch.mean(torch.abs(self.D(G_) - G_))
        G_loss.backward()
        self.G_optimizer.step()
        temp_k = self.k + self.lambda_ * (self.gamma * D_real_loss - G_loss)
        self.k = min(max(temp_k.item(), 0), 1)


FILES = {"gan": GanFile, "lsgan": LsganFile, "wgan": WganFile, "wgan-gp": WganGpFile,
         "dragan": DraganFile, "ebgan": EbganFile, "began": BeganFile}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    torch.set_num_threads(1)


@pytest.mark.parametrize("variant", sorted(FILES))
def test_collection_iterations_match_ganrun(variant, trace_program, tmp_path):
    run = FILES[variant]()
    # 3 iterations; at n_critic 5, 2 generator steps (10 iterations: both update kinds, twice).
    steps = 3 if run.n_critic == 1 else 2
    out = tmp_path / f"{variant}.pt"
    subprocess.run([trace_program, variant, str(out), str(steps)], check=True, timeout=300)
    trace = torch.load(out, weights_only=False)
    assert trace["steps"] == steps
    assert trace["n_critic"] == run.n_critic, "the preset's n_critic is not the file's"
    run.start(trace["G0"], trace["D0"])
    iteration = 0
    for step in range(trace["steps"]):
        draws = iter(trace["draws"][step])
        for i in range(run.n_critic):
            x_ = trace["real_images"][step][i]
            z_ = next(draws)
            assert tuple(z_.shape) == (x_.size(0), Z_DIM)
            run.iteration(x_, z_, lambda: next(draws), (iteration + 1) % run.n_critic == 0)
            iteration += 1
        assert next(draws, None) is None, f"ganrun drew more random numbers in step {step}"
    for name, net, names, state in (("G", run.G, G_NAMES, trace["G"]),
                                    ("D", run.D, run.d_names, trace["D"])):
        moved, _ = largest_difference(net, names, trace[name + "0"])
        assert moved > 1e-6, f"{name} did not train"
        tolerance = tolerance_of(net)
        worst, where = largest_difference(net, names, state, tolerance)
        assert worst <= 1.0, (f"{variant} {name}.{where} differs by "
                              f"{worst * tolerance(where):.3g} (tolerance {tolerance(where):g})")
