"""`preset: collection` trains as the collection did, update for update.

An independent PyTorch version of the training iterations of the collection's files
(znxlwm/pytorch-generative-model-collections at commit 4caaace: GAN.py, CGAN.py, ACGAN.py,
infoGAN.py, LSGAN.py, WGAN.py, WGAN_GP.py, DRAGAN.py, EBGAN.py, BEGAN.py), written from those files' code in the order they
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

import itertools
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

    def __init__(self, extra_inputs=0):  # CGAN/ACGAN: 10 (one-hot label); infoGAN: 2 + 10 codes
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(Z_DIM + extra_inputs, 1024), nn.BatchNorm1d(1024), nn.ReLU(),
                                nn.Linear(1024, 128 * 7 * 7), nn.BatchNorm1d(128 * 7 * 7),
                                nn.ReLU())
        self.deconv = nn.Sequential(nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64),
                                    nn.ReLU(), nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())

    def forward(self, z, label=None):  # CGAN.py / ACGAN.py: torch.cat([input, label], 1)
        x = z if label is None else torch.cat([z, label], 1)
        return self.deconv(self.fc(x).view(-1, 128, 7, 7))


class Discriminator(nn.Module):
    """(64)4c2s-(128)4c2s_BL-FC1024_BL-FC1, with nn.Sigmoid at the end where the file has it."""

    ZERO_GRADIENT = {"conv.2.bias", "conv.3.running_mean", "fc.0.bias", "fc.1.running_mean"}

    def __init__(self, sigmoid, class_num=0, outputs=1):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1 + class_num, 64, 4, 2, 1), nn.LeakyReLU(0.2),
                                  nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128),
                                  nn.LeakyReLU(0.2))
        tail = [nn.Sigmoid()] if sigmoid else []
        self.fc = nn.Sequential(nn.Linear(128 * 7 * 7, 1024), nn.BatchNorm1d(1024),
                                nn.LeakyReLU(0.2), nn.Linear(1024, outputs), *tail)

    def forward(self, x, label_fill=None):  # CGAN.py: torch.cat([input, label], 1)
        x = x if label_fill is None else torch.cat([x, label_fill], 1)
        return self.fc(self.conv(x).view(-1, 128 * 7 * 7))


class AcganDiscriminator(nn.Module):
    """ACGAN.py's: (64)4c2s-(128)4c2s_BL-FC1024_BL, then heads dc (FC1, sigmoid) and cl (FC10).
    ganrun holds both heads as the rows of one FC of 11 outputs (row 0: dc, rows 1-10: cl)."""

    ZERO_GRADIENT = {"conv.2.bias", "conv.3.running_mean", "fc1.0.bias", "fc1.1.running_mean"}

    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
                                  nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128),
                                  nn.LeakyReLU(0.2))
        self.fc1 = nn.Sequential(nn.Linear(128 * 7 * 7, 1024), nn.BatchNorm1d(1024),
                                 nn.LeakyReLU(0.2))
        self.dc = nn.Sequential(nn.Linear(1024, 1), nn.Sigmoid())
        self.cl = nn.Sequential(nn.Linear(1024, 10))

    def forward(self, x):
        x = self.fc1(self.conv(x).view(-1, 128 * 7 * 7))
        return self.dc(x), self.cl(x)


class InfoganDiscriminator(Discriminator):
    """infoGAN.py's: the same trunk, an FC of 1 + 2 + 10 outputs; a = sigmoid(x[:, output_dim])
    with output_dim 1 (column 1, which is also b's first column), b = x[:, 1:3], c = x[:, 3:]."""

    def __init__(self):
        super().__init__(sigmoid=False, outputs=13)

    def forward(self, x):
        x = super().forward(x)
        return torch.sigmoid(x[:, 1]), x[:, 1:3], x[:, 3:]


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
# ACGAN: dc.0 and cl.0 are rows [0, 1) and [1, 11) of ganrun's fc2 (see ganrun_state).
ACGAN_D_NAMES = {"conv.0": "conv1", "conv.2": "conv2", "conv.3": "norm2", "fc1.0": "fc1",
                 "fc1.1": "norm3", "dc.0": ("fc2", 0, 1), "cl.0": ("fc2", 1, 11)}


def ganrun_value(key, names, state):
    """ganrun's tensor for this file's `key` (a module path's rows of ganrun's, where mapped so)."""
    module, _, leaf = key.rpartition(".")
    target = names[module]
    if isinstance(target, tuple):
        name, begin, end = target
        return state[f"{name}.{leaf}"][begin:end]
    return state[f"{target}.{leaf}"]


def load_ganrun_state(net, names, state):
    """ganrun's state into `net`; every tensor of ganrun's must find its place."""
    own = net.state_dict()
    net.load_state_dict({k: ganrun_value(k, names, state) for k in own})
    used = set()
    for key in own:
        module, _, leaf = key.rpartition(".")
        target = names[module]
        used.add(f"{target if isinstance(target, str) else target[0]}.{leaf}")
    assert used == set(state), sorted(used ^ set(state))


def largest_difference(net, names, state, tolerance=lambda key: 1.0):
    """max |this file's value - ganrun's| / tolerance(key) over every parameter and buffer, and
    where."""
    worst, where = 0.0, None
    for key, value in net.state_dict().items():
        diff = (value.double() - ganrun_value(key, names, state).double()).abs().max().item()
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
# x_ the real batch, y_ its labels (int64); `draws` hands out ganrun's random draws where the file
# calls torch.rand (and infoGAN.py numpy's); `update_g` says whether this iteration updates G
# ((iter + 1) % n_critic == 0).


class Draws:
    """One ganrun step's random draws, handed out by kind: take(shape, dtype) is the next
    remaining draw of that shape and dtype (the order ganrun makes different kinds in is its own;
    within a kind it is the iterations' order). `left` is what nobody took."""

    def __init__(self, draws):
        self.left = list(draws)

    def take(self, shape, dtype=torch.float64):
        for i, d in enumerate(self.left):
            if tuple(d.shape) == tuple(shape) and d.dtype == dtype:
                return self.left.pop(i)
        raise AssertionError(f"ganrun drew nothing of shape {tuple(shape)} ({dtype}); left: "
                             f"{[tuple(d.shape) for d in self.left]}")

class Collection:
    n_critic = 1
    class_num = 0  # CGAN.py, ACGAN.py: 10 (G's input z ++ one-hot label)
    extra_inputs = 0  # G's inputs besides z

    def __init__(self, d_names=D_NAMES):
        self.G = Generator(self.extra_inputs).double()
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


class GanFile(Collection):  # GAN.py (LSGAN.py is the same loop with its own loss)
    def criterion(self, out, target):
        return self.bce(out, target)

    def iteration(self, x_, y_, draws, update_g):
        z_ = draws.take((x_.size(0), Z_DIM))
        ones, zeros = torch.ones(x_.size(0), 1).double(), torch.zeros(x_.size(0), 1).double()
        self.D_optimizer.zero_grad()
        D_real_loss = self.criterion(self.D(x_), ones)
        G_ = self.G(z_)
        D_fake_loss = self.criterion(self.D(G_), zeros)
        (D_real_loss + D_fake_loss).backward()
        self.D_optimizer.step()
        self.G_optimizer.zero_grad()
        G_loss = self.criterion(self.D(self.G(z_)), ones)
        G_loss.backward()
        self.G_optimizer.step()


class LsganFile(GanFile):  # LSGAN.py: no sigmoid, nn.MSELoss to 1 / 0
    def make_d(self):
        return Discriminator(sigmoid=False)

    def criterion(self, out, target):
        return self.mse(out, target)


class WganFile(Collection):  # WGAN.py: clamp every D parameter, G every n_critic iterations
    n_critic = 5
    c = 0.01

    def make_d(self):
        return Discriminator(sigmoid=False)

    def iteration(self, x_, y_, draws, update_g):
        z_ = draws.take((x_.size(0), Z_DIM))
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

    def iteration(self, x_, y_, draws, update_g):
        z_ = draws.take((x_.size(0), Z_DIM))
        self.D_optimizer.zero_grad()
        D_real_loss = -torch.mean(self.D(x_))
        G_ = self.G(z_)
        D_fake_loss = torch.mean(self.D(G_))
        alpha = draws.take((x_.size(0),)).reshape(x_.size(0), 1, 1, 1)
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

    def iteration(self, x_, y_, draws, update_g):
        z_ = draws.take((x_.size(0), Z_DIM))
        ones, zeros = torch.ones(x_.size(0), 1).double(), torch.zeros(x_.size(0), 1).double()
        self.D_optimizer.zero_grad()
        D_real_loss = self.bce(self.D(x_), ones)
        G_ = self.G(z_)
        D_fake_loss = self.bce(self.D(G_), zeros)
        alpha = draws.take((x_.size(0),)).reshape(x_.size(0), 1, 1, 1)
        x_p = x_ + 0.5 * x_.std() * draws.take(x_.size())
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

    def iteration(self, x_, y_, draws, update_g):
        z_ = draws.take((x_.size(0), Z_DIM))
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

    def iteration(self, x_, y_, draws, update_g):
        z_ = draws.take((x_.size(0), Z_DIM))
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


class CganFile(Collection):  # CGAN.py: the real batch's labels condition G and D
    class_num = extra_inputs = 10

    def make_d(self):
        return Discriminator(sigmoid=True, class_num=self.class_num)

    def iteration(self, x_, y_, draws, update_g):
        z_ = draws.take((x_.size(0), Z_DIM))
        ones, zeros = torch.ones(x_.size(0), 1).double(), torch.zeros(x_.size(0), 1).double()
        y_vec_ = torch.zeros((x_.size(0), self.class_num)).double().scatter_(1, y_.unsqueeze(1), 1)
        y_fill_ = y_vec_.unsqueeze(2).unsqueeze(3).expand(x_.size(0), self.class_num, 28, 28)
        self.D_optimizer.zero_grad()
        D_real_loss = self.bce(self.D(x_, y_fill_), ones)
        G_ = self.G(z_, y_vec_)
        D_fake_loss = self.bce(self.D(G_, y_fill_), zeros)
        (D_real_loss + D_fake_loss).backward()
        self.D_optimizer.step()
        self.G_optimizer.zero_grad()
        G_loss = self.bce(self.D(self.G(z_, y_vec_), y_fill_), ones)
        G_loss.backward()
        self.G_optimizer.step()


class AcganFile(Collection):  # ACGAN.py: G conditioned on the real labels, D classifies too
    class_num = extra_inputs = 10

    def __init__(self):
        super().__init__(ACGAN_D_NAMES)
        self.ce = nn.CrossEntropyLoss()

    def make_d(self):
        return AcganDiscriminator()

    def iteration(self, x_, y_, draws, update_g):
        z_ = draws.take((x_.size(0), Z_DIM))
        ones, zeros = torch.ones(x_.size(0), 1).double(), torch.zeros(x_.size(0), 1).double()
        y_vec_ = torch.zeros((x_.size(0), self.class_num)).double().scatter_(1, y_.unsqueeze(1), 1)
        target = torch.max(y_vec_, 1)[1]
        self.D_optimizer.zero_grad()
        D_real, C_real = self.D(x_)
        D_real_loss, C_real_loss = self.bce(D_real, ones), self.ce(C_real, target)
        G_ = self.G(z_, y_vec_)
        D_fake, C_fake = self.D(G_)
        D_fake_loss, C_fake_loss = self.bce(D_fake, zeros), self.ce(C_fake, target)
        (D_real_loss + C_real_loss + D_fake_loss + C_fake_loss).backward()
        self.D_optimizer.step()
        self.G_optimizer.zero_grad()
        D_fake, C_fake = self.D(self.G(z_, y_vec_))
        G_loss = self.bce(D_fake, ones)
        G_loss += self.ce(C_fake, target)
        G_loss.backward()
        self.G_optimizer.step()


class InfoganFile(Collection):
    """infoGAN.py as main.py runs it (SUPERVISED=False: the categorical code is drawn, not the
    label). One departure, forced: the file calls info_loss.backward() after G_optimizer.step()
    changed G's weights in place, which current PyTorch refuses (a tensor saved for backward was
    modified in place); the PyTorch 0.4 it ran under stepped p.data unseen by autograd and
    back-propagated through the stepped weights. Here, as in ganrun
    (models/infogan_variant.cpp), the information gradient is taken before G's step and added to
    the gradients the parameters hold when info_optimizer steps."""

    extra_inputs = 12
    len_discrete_code = 10

    def __init__(self):
        super().__init__()
        self.ce = nn.CrossEntropyLoss()

    def make_d(self):
        return InfoganDiscriminator()

    def start(self, g_state, d_state):
        super().start(g_state, d_state)
        self.info_optimizer = torch.optim.Adam(
            itertools.chain(self.G.parameters(), self.D.parameters()), lr=LR, betas=BETAS)

    def iteration(self, x_, y_, draws, update_g):
        batch = x_.size(0)
        z_ = draws.take((batch, Z_DIM))
        y_disc_ = torch.zeros((batch, self.len_discrete_code)).double().scatter_(
            1, draws.take((batch,), torch.int64).unsqueeze(1), 1)
        y_cont_ = draws.take((batch, 2)) * 2 - 1  # np.random.uniform(-1, 1, size=(batch, 2))
        ones, zeros = torch.ones(batch).double(), torch.zeros(batch).double()
        self.D_optimizer.zero_grad()
        D_real, _, _ = self.D(x_)
        D_real_loss = self.bce(D_real, ones)
        G_ = self.G(torch.cat([z_, y_cont_, y_disc_], 1))
        D_fake, _, _ = self.D(G_)
        D_fake_loss = self.bce(D_fake, zeros)
        D_loss = D_real_loss + D_fake_loss
        D_loss.backward(retain_graph=True)
        self.D_optimizer.step()
        self.G_optimizer.zero_grad()
        G_ = self.G(torch.cat([z_, y_cont_, y_disc_], 1))
        D_fake, D_cont, D_disc = self.D(G_)
        G_loss = self.bce(D_fake, ones)
        G_loss.backward(retain_graph=True)
        disc_loss = self.ce(D_disc, torch.max(y_disc_, 1)[1])
        cont_loss = self.mse(D_cont, y_cont_)
        info_loss = disc_loss + cont_loss
        params = list(self.G.parameters()) + list(self.D.parameters())
        info_grads = torch.autograd.grad(info_loss, params)
        self.G_optimizer.step()
        with torch.no_grad():
            for p, g in zip(params, info_grads):
                p.grad += g
        self.info_optimizer.step()


FILES = {"gan": GanFile, "infogan": InfoganFile, "cgan": CganFile, "acgan": AcganFile, "lsgan": LsganFile, "wgan": WganFile, "wgan-gp": WganGpFile,
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
        draws = Draws(trace["draws"][step])
        for i in range(run.n_critic):
            x_, y_ = trace["real_images"][step][i], trace["real_labels"][step][i]
            run.iteration(x_, y_, draws, (iteration + 1) % run.n_critic == 0)
            iteration += 1
        assert not draws.left, f"ganrun drew more random numbers in step {step}"
    for name, net, names, state in (("G", run.G, G_NAMES, trace["G"]),
                                    ("D", run.D, run.d_names, trace["D"])):
        moved, _ = largest_difference(net, names, trace[name + "0"])
        assert moved > 1e-6, f"{name} did not train"
        tolerance = tolerance_of(net)
        worst, where = largest_difference(net, names, state, tolerance)
        assert worst <= 1.0, (f"{variant} {name}.{where} differs by "
                              f"{worst * tolerance(where):.3g} (tolerance {tolerance(where):g})")
