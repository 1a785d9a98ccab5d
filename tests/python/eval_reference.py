"""Independent Python reference implementations of ganrun's evaluation metrics (issue 22), written
from the spec (the export / reference-file formats and metric definitions), not from the C++.

Used by the pytest checks that compare ganrun's numbers against them. Nothing here imports ganrun:
numpy/scipy for the statistics, prdc (and pytorch-fid when installed) as third-party references,
torch for a re-implementation of the reference nets, h5py to read the files.

Every statistic is computed on float64 features; the nets run in float32 like LibTorch's, and
their outputs are cast to float64 afterwards (as the spec says ganrun does).
"""

import contextlib
import hashlib
import io
import math
import warnings

import h5py
import numpy as np
import scipy.linalg
import scipy.spatial.distance

# ---------------------------------------------------------------------------------------------
# Fréchet distance


def constant_in_both(a, b):
    """Mask of the features that are constant within a AND within b (max == min: an exact test;
    a computed variance of a constant column need not be exactly 0, since the mean of N equal
    floats can differ from them in the last bit)."""
    return (np.ptp(a, axis=0) == 0) & (np.ptp(b, axis=0) == 0)


def _sqrtm_trace(s1, s2, eps=1e-6):
    """tr sqrt(s1 @ s2), real part, with pytorch-fid's fallback: when the square root of the
    product is not finite (a singular product), retry with eps added to both diagonals."""
    # A feature constant in ONE set only (a unit dead for every fake) leaves s1 @ s2 singular:
    # sqrtm then warns and loses accuracy (the square root is not smooth at 0 eigenvalues). Tried
    # on 128 features with 1-5 such units: trace errors 4e-9..5e-8, against an fd_tolerance
    # floor of 1e-6 there (eigenvalues of sqrt(s1) s2 sqrt(s1) as the accurate value).
    root = scipy.linalg.sqrtm(s1 @ s2)
    if not np.isfinite(root).all():
        offset = eps * np.eye(s1.shape[0])
        root = scipy.linalg.sqrtm((s1 + offset) @ (s2 + offset))
    # s1 @ s2 is similar to a positive semi-definite matrix, so its eigenvalues are real and >= 0;
    # an imaginary part is rounding noise and is dropped, as in pytorch-fid.
    return float(np.trace(root).real)


def fd_from_stats(mu1, s1, mu2, s2):
    """||mu1 - mu2||^2 + tr(s1 + s2 - 2 sqrt(s1 s2))."""
    diff = np.asarray(mu1, np.float64) - np.asarray(mu2, np.float64)
    trace = np.trace(s1) + np.trace(s2) - 2.0 * _sqrtm_trace(s1, s2)
    return float(diff @ diff + trace)


def fd(a, b):
    """Fréchet distance of the rows of a and b (float64, unbiased covariances, ddof=1).

    Features constant in BOTH sets are left out of the covariance term: their rows and columns
    of both covariances are zero, so the product's square root is block diagonal with a zero
    block and they add exactly 0 to tr(s1 + s2 - 2 sqrt(s1 s2)). Keeping them would only make
    s1 @ s2 singular, where sqrtm is inaccurate (or not finite). Their means still count: a
    feature constant at different values in the two sets adds (c1 - c2)^2.
    (Dead post-ReLU units of the reference nets are such features: exactly 0 everywhere.)
    """
    kept = _kept_statistics(a, b)
    if kept is None:
        return _dropped_term(a, b)
    return fd_from_stats(*kept) + _dropped_term(a, b)


def _dropped_term(a, b):
    """|mu_a - mu_b|^2 over the features constant in both sets (their whole FD contribution)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    drop = constant_in_both(a, b)
    mean_diff = a.mean(axis=0)[drop] - b.mean(axis=0)[drop]
    return float(mean_diff @ mean_diff)


def _kept_statistics(a, b):
    """(mu_a, S_a, mu_b, S_b) of the features not constant in both sets (unbiased covariances),
    or None when every feature is."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    keep = ~constant_in_both(a, b)
    ak, bk = a[:, keep], b[:, keep]
    if ak.shape[1] == 0:
        return None
    s1 = np.atleast_2d(np.cov(ak, rowvar=False, ddof=1))
    s2 = np.atleast_2d(np.cov(bk, rowvar=False, ddof=1))
    return ak.mean(axis=0), s1, bk.mean(axis=0), s2


def fd_tolerance(a, b, fd_value=None):
    """The issue's tolerance for an FD value: 1e-4 relative, plus 1e-8 of the total variance
    (an absolute floor for FD values near 0, where the sqrtm term cancels tr s1 + tr s2).
    fd_value: fd(a, b) when the caller has it (sqrtm is the slow part)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    fd_value = fd(a, b) if fd_value is None else fd_value
    total_variance = a.var(axis=0, ddof=1).sum() + b.var(axis=0, ddof=1).sum()
    return 1e-4 * abs(fd_value) + 1e-8 * total_variance


def fd_pytorch_fid(a, b):
    """FD via pytorch_fid.fid_score.calculate_frechet_distance (None when pytorch-fid is not
    installed), on the same kept features as fd() plus the dropped features' mean term, so the
    two differ only in the FD arithmetic itself."""
    try:
        from pytorch_fid.fid_score import calculate_frechet_distance
    except ImportError:
        return None
    kept = _kept_statistics(a, b)
    if kept is None:
        return _dropped_term(a, b)
    # pytorch-fid 0.3.0 passes sqrtm's deprecated disp= (SciPy >= 1.16 warns) and prints a line
    # when it falls back to the eps offset; neither is of interest here.
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore", DeprecationWarning)
        value = calculate_frechet_distance(*kept)
    return float(value) + _dropped_term(a, b)


# ---------------------------------------------------------------------------------------------
# KID


def polynomial_kernel(x, y):
    """k(x, y) = (x.y / d + 1)^3, d the feature width (the KID kernel)."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x, y):
    """Unbiased MMD^2 of two equal-sized subsets, and the sum and count of the kernel entries it
    uses (the off-diagonal entries of k(x,x) and k(y,y), all of k(x,y)).

    mean over i != j of k(x_i, x_j) + the same for y - 2 mean over all i, j of k(x_i, y_j)."""
    m = x.shape[0]
    kxx = polynomial_kernel(x, x)
    kyy = polynomial_kernel(y, y)
    kxy = polynomial_kernel(x, y)
    off = ~np.eye(m, dtype=bool)
    value = kxx[off].mean() + kyy[off].mean() - 2.0 * kxy.mean()
    abs_sum = np.abs(kxx[off]).sum() + np.abs(kyy[off]).sum() + np.abs(kxy).sum()
    return float(value), float(abs_sum), 2 * m * (m - 1) + m * m


def kid(real, fake, real_rows, fake_rows):
    """KID over the subsets given by the row index arrays ([S, m] each): returns
    (mean, std with ddof=1 as torch's default std, mean |k| over the kernel entries used).
    The last sets the tolerance scale: 1e-9 * mean |k| (each MMD^2 is a difference of means of k,
    so its rounding error scales with the kernel's magnitude, not with the MMD^2 itself)."""
    real = np.asarray(real, np.float64)
    fake = np.asarray(fake, np.float64)
    real_rows = np.asarray(real_rows)
    fake_rows = np.asarray(fake_rows)
    assert real_rows.shape == fake_rows.shape and real_rows.ndim == 2
    values = []
    abs_sum, count = 0.0, 0
    for r, f in zip(real_rows, fake_rows):
        value, s, n = mmd2_unbiased(real[r], fake[f])
        values.append(value)
        abs_sum += s
        count += n
    values = np.array(values)
    std = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
    return float(values.mean()), std, abs_sum / count


def kid_tolerance(mean_abs_k):
    return 1e-9 * mean_abs_k


# ---------------------------------------------------------------------------------------------
# Precision, recall, density, coverage


def kth_neighbour_radii(features, k):
    """Distance of each row to its k-th nearest OTHER row of the same set (exact Euclidean)."""
    d = scipy.spatial.distance.cdist(features, features, "euclidean")
    np.fill_diagonal(d, np.inf)  # a point's own distance is excluded
    return np.partition(d, k - 1, axis=1)[:, k - 1]


def prdc_exact(real, fake, k):
    """Precision, recall, density, coverage exactly as the spec words them: radii are the k-th
    smallest distance to the other points of the set, comparisons strict (<), distances exact
    float64 Euclidean (scipy's cdist: sqrt of the sum of squared differences)."""
    real = np.asarray(real, np.float64)
    fake = np.asarray(fake, np.float64)
    real_radii = kth_neighbour_radii(real, k)
    fake_radii = kth_neighbour_radii(fake, k)
    d = scipy.spatial.distance.cdist(real, fake, "euclidean")  # [real, fake]
    inside_real = d < real_radii[:, None]  # fake j inside real i's ball
    return {
        "precision": float(inside_real.any(axis=0).mean()),
        "recall": float((d < fake_radii[None, :]).any(axis=1).mean()),
        "density": float(inside_real.sum(axis=0).mean() / k),
        "coverage": float((d.min(axis=1) < real_radii).mean()),
    }


def prdc_library(real, fake, k):
    """prdc.compute_prdc (Naver's reference), quietened (it prints the set sizes).

    How it relates to the spec (read from prdc 0.2 with scikit-learn 1.9):
    - own distance: its radius is the (k+1)-th smallest entry of the row of the set's distance
      matrix, which includes the point itself at distance exactly 0 (sklearn zeroes the
      diagonal when X is Y), i.e. the k-th smallest distance to the OTHER points: as the spec.
      Duplicated points do not change that (a duplicate's 0 is one of the others' distances).
    - strictness: every comparison is strict (<): as the spec.
    - distances: sklearn's euclidean_distances computes float64 sqrt(max(|x|^2 - 2 x.y + |y|^2,
      0)), not the direct sum of squared differences. The two differ by rounding (relative
      ~1e-16 |x|^2 / d^2), which changes a value only when a distance ties a radius to within
      that rounding (and for exact duplicates across the sets, where the expansion can leave a
      tiny positive distance instead of 0; that matters only against a radius of 0, where < fails
      for both). So prdc_library and prdc_exact agree except on such near-ties.
    """
    from prdc import compute_prdc

    with contextlib.redirect_stdout(io.StringIO()):
        values = compute_prdc(np.asarray(real, np.float64), np.asarray(fake, np.float64), k)
    return {name: float(value) for name, value in values.items()}


# ---------------------------------------------------------------------------------------------
# Class statistics and toy modes


def _xlogy_over(p, q):
    """sum p ln(p / q) along the last axis with 0 ln 0 = 0."""
    p = np.asarray(p, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(q)), 0.0)
    return terms.sum(axis=-1)


def class_stats(probabilities, classes):
    """Histogram of argmax classes, classes covered (count >= 0.2 N / C), KL(q || uniform) of the
    histogram q = counts / N, and the classifier score exp(mean_i KL(p(y|x_i) || p(y)))."""
    p = np.asarray(probabilities, np.float64)
    n = p.shape[0]
    histogram = np.bincount(p.argmax(axis=1), minlength=classes).astype(np.int64)
    q = histogram / n
    marginal = p.mean(axis=0)
    # count >= 0.2 N / C in integers (5 C count >= N), so a count exactly at the threshold is
    # never lost to the rounding of 0.2 * N / C
    return {
        "class_histogram": histogram,
        "classes_covered": int((5 * classes * histogram >= n).sum()),
        "kl_uniform": float(_xlogy_over(q, 1.0 / classes)),
        "classifier_score": float(math.exp(_xlogy_over(p, marginal[None, :]).mean())),
    }


def label_accuracy(probabilities, labels):
    """Fraction of samples whose argmax is the requested label (conditional variants)."""
    return float((np.asarray(probabilities).argmax(axis=1) == np.asarray(labels)).mean())


def toy_modes(points, centres, sigma):
    """A mode counts a point when it is the point's nearest centre (ties to the lower index, as
    argmin) and the point lies within 3 sigma of it (<=, on squared distances: no square root
    to round). Returns counts, modes_covered (count >= 0.01 N, in integers: 100 count >= N) and
    high_quality (sum(counts) / N)."""
    points = np.asarray(points, np.float64)
    centres = np.asarray(centres, np.float64)
    d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    nearest = d2.argmin(axis=1)
    close = d2[np.arange(len(points)), nearest] <= (3.0 * sigma) ** 2
    counts = np.bincount(nearest[close], minlength=len(centres)).astype(np.int64)
    n = len(points)
    return {
        "counts": counts,
        "modes_covered": int((100 * counts >= n).sum()),
        "high_quality": float(counts.sum() / n),
    }


# ---------------------------------------------------------------------------------------------
# Reference nets (torch re-implementation of the spec's lenet and vgg)


def _torch():
    import torch  # imported lazily: the statistics above do not need it

    return torch


def build_net(name):
    """An nn.Module with the spec's layer names (the HDF5 /weights dataset names) whose forward
    returns (features, logits)."""
    torch = _torch()
    nn, F = torch.nn, torch.nn.functional

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 5)
            self.conv2 = nn.Conv2d(32, 64, 5)
            self.fc1 = nn.Linear(1024, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # 28 -> 24 -> 12
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # 12 -> 8 -> 4
            features = F.relu(self.fc1(torch.flatten(x, 1)))
            return features, self.fc2(features)

    class Vgg(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1a = nn.Conv2d(3, 32, 3, padding=1)
            self.conv1b = nn.Conv2d(32, 32, 3, padding=1)
            self.conv2a = nn.Conv2d(32, 64, 3, padding=1)
            self.conv2b = nn.Conv2d(64, 64, 3, padding=1)
            self.conv3a = nn.Conv2d(64, 128, 3, padding=1)
            self.fc1 = nn.Linear(2048, 256)
            self.fc2 = nn.Linear(256, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1b(F.relu(self.conv1a(x)))), 2)  # 32 -> 16
            x = F.max_pool2d(F.relu(self.conv2b(F.relu(self.conv2a(x)))), 2)  # 16 -> 8
            x = F.max_pool2d(F.relu(self.conv3a(x)), 2)  # 8 -> 4
            features = F.relu(self.fc1(torch.flatten(x, 1)))
            return features, self.fc2(features)

    nets = {"lenet": LeNet, "vgg": Vgg}
    if name not in nets:
        raise ValueError(f"unknown reference net {name!r}")
    return nets[name]()


def read_weights(group):
    """{name: float32 array} of a /weights group in creation order. Nested groups (if a writer
    used conv1/weight rather than conv1.weight) are joined with '.', the state-dict spelling."""
    entries = []

    def visit(g, prefix):
        for name in g:
            obj = g[name]
            info = g.id.links.get_info(name.encode())
            order = info.corder if info.corder_valid else None
            if isinstance(obj, h5py.Group):
                visit(obj, prefix + name + ".")
            else:
                entries.append((order, prefix + name, np.asarray(obj[()])))

    visit(group, "")
    if all(order is not None for order, _, _ in entries):
        entries.sort(key=lambda e: e[0])  # creation order, whatever order h5py iterates in
    return {name: array for _, name, array in entries}


def weights_sha256(weights):
    """SHA-256 over the arrays' float32 little-endian bytes concatenated in the given order."""
    h = hashlib.sha256()
    for array in weights.values():
        h.update(np.ascontiguousarray(array, dtype="<f4").tobytes())
    return h.hexdigest()


class ReferenceNet:
    """A reference file's net: features(images_uint8) -> float64 [N, F] and probabilities."""

    def __init__(self, path):
        torch = _torch()
        with h5py.File(path, "r") as f:
            self.attrs = {k: v for k, v in f.attrs.items()}
            weights = read_weights(f["weights"])
        self.name = str(self.attrs["net"])
        self.sha256 = weights_sha256(weights)
        self.module = build_net(self.name)
        state = {k: torch.from_numpy(np.asarray(v, np.float32)) for k, v in weights.items()}
        self.module.load_state_dict(state, strict=True)  # every layer, nothing else
        self.module.eval()

    def sha_matches(self):
        return self.sha256 == str(self.attrs.get("net_sha256", ""))

    def _run(self, images, batch):
        torch = _torch()
        images = np.asarray(images)
        assert images.dtype == np.uint8 and images.ndim == 4, "uint8 [N, C, H, W] images"
        features, logits = [], []
        with torch.no_grad():
            for start in range(0, len(images), batch):
                x = torch.from_numpy(images[start:start + batch]).to(torch.float32)
                feat, logit = self.module(x / 127.5 - 1.0)  # the spec's input mapping, float32
                features.append(feat)
                logits.append(logit)
        return torch.cat(features), torch.cat(logits)

    def features(self, images, batch=256):
        """Penultimate (post-ReLU fc1) features, computed in float32, returned as float64."""
        return self._run(images, batch)[0].numpy().astype(np.float64)

    def probabilities(self, images, batch=256):
        """softmax of the logits (float32, like the net), returned as float64."""
        torch = _torch()
        return torch.softmax(self._run(images, batch)[1], dim=1).numpy().astype(np.float64)


# ---------------------------------------------------------------------------------------------
# Export files


def _net_name(attrs):
    names = [k[3:] for k in attrs if k.startswith("fd_")]
    if len(names) != 1:
        raise ValueError(f"expected one fd_<net> attribute, found {names}")
    return names[0]


def check_export(path):
    """Recompute every metric of an export file (`ganrun eval RUN.h5 --export FILE.h5`) from its
    arrays with the references here and return {name: (ours, reference, tolerance)}; ours is
    the exported value. failures() lists the entries out of tolerance."""
    with h5py.File(path, "r") as f:
        attrs = {k: v for k, v in f.attrs.items()}
        real = f["real_features"][()].astype(np.float64)
        fake = f["fake_features"][()].astype(np.float64)
        probs = f["fake_probabilities"][()].astype(np.float64)
        labels = f["fake_labels"][()]
        # ganrun leaves the KID rows out when it computed no KID
        kid_real_rows = f["kid_real_rows"][()] if "kid_real_rows" in f else None
        kid_fake_rows = f["kid_fake_rows"][()] if "kid_fake_rows" in f else None
    net = _net_name(attrs)
    out = {}

    fd_value = fd(real, fake)
    tol = fd_tolerance(real, fake, fd_value)
    out[f"fd_{net}"] = (float(attrs[f"fd_{net}"]), fd_value, tol)
    fid_value = fd_pytorch_fid(real, fake)
    if fid_value is not None:
        out[f"fd_{net}/pytorch-fid"] = (float(attrs[f"fd_{net}"]), fid_value, tol)

    if kid_real_rows is not None:
        kid_mean, kid_std, mean_abs_k = kid(real, fake, kid_real_rows, kid_fake_rows)
        tol = kid_tolerance(mean_abs_k)
        out[f"kid_{net}"] = (float(attrs[f"kid_{net}"]), kid_mean, tol)
        out[f"kid_{net}_std"] = (float(attrs[f"kid_{net}_std"]), kid_std, tol)

    # precision/recall come from k_pr-neighbour balls, density/coverage from k_dc ones.
    k_pr, k_dc = int(attrs.get("k_pr", 3)), int(attrs.get("k_dc", 5))
    for k, names in ((k_pr, ("precision", "recall")), (k_dc, ("density", "coverage"))):
        exact = prdc_exact(real, fake, k)
        library = prdc_library(real, fake, k)
        for name in names:
            # Counts over N: exact up to the float mean; 1e-12 leaves room for that only.
            out[name] = (float(attrs[name]), exact[name], 1e-12)
            out[f"{name}/prdc"] = (float(attrs[name]), library[name], 1e-12)

    classes = probs.shape[1]
    stats = class_stats(probs, classes)
    out["classifier_score"] = (float(attrs["classifier_score"]), stats["classifier_score"],
                               1e-9 * stats["classifier_score"])
    out["classes_covered"] = (int(attrs["classes_covered"]), stats["classes_covered"], 0)
    out["kl_uniform"] = (float(attrs["kl_uniform"]), stats["kl_uniform"], 1e-12)
    if "class_histogram" in attrs:
        out["class_histogram"] = (np.asarray(attrs["class_histogram"]), stats["class_histogram"], 0)
    if "label_accuracy" in attrs:
        out["label_accuracy"] = (float(attrs["label_accuracy"]), label_accuracy(probs, labels),
                                 1e-12)
    return out


def failures(results):
    """Names of the entries of check_export()'s result out of tolerance (NaN equals NaN: a
    one-subset KID std is NaN on both sides)."""
    bad = []
    for name, (ours, reference, tol) in results.items():
        ours = np.asarray(ours, np.float64)
        reference = np.asarray(reference, np.float64)
        both_nan = np.isnan(ours) & np.isnan(reference)
        ok = both_nan | (np.abs(ours - reference) <= tol)
        if ours.shape != reference.shape or not np.all(ok):
            bad.append(name)
    return bad


def recompute_export_fd(path, real_images):
    """FD recomputed from images with the torch net: features of the export's /fake_images and of
    the given real uint8 images [N, C, H, W] (typically the eval split at /real_indices) through
    the net of the export's reference_file. Returns a dict with the recomputed and exported FD,
    the FD tolerance, and the largest differences between the torch features and the exported
    ones (ganrun's LibTorch features), which locate a mismatch (net vs statistics)."""
    with h5py.File(path, "r") as f:
        attrs = {k: v for k, v in f.attrs.items()}
        fake_images = f["fake_images"][()]
        exported_real = f["real_features"][()]
        exported_fake = f["fake_features"][()]
    net = ReferenceNet(str(attrs["reference_file"]))
    real = net.features(real_images)
    fake = net.features(fake_images)
    fd_value = fd(real, fake)
    return {
        "fd_recomputed": fd_value,
        "fd_exported": float(attrs[f"fd_{net.name}"]),
        "tolerance": fd_tolerance(real, fake, fd_value),
        # the weights hash the file's manifest states, and the one the export was made with
        "sha_matches_reference": net.sha_matches(),
        "sha_matches_export": net.sha256 == str(attrs.get("reference_sha256", "")),
        "real_features_max_abs_diff": float(np.abs(real - exported_real).max()),
        "fake_features_max_abs_diff": float(np.abs(fake - exported_fake).max()),
    }
