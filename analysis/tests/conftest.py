"""Sweeps for the loader tests, produced once per session by the real ganrun binary
($GANRUN_BIN; every test is skipped, saying so, when it is unset or not executable):

- main:   toy-ring8, variants gan and wgan-gp x lr 1e-4, 1e-3 x seeds 0, 1 (8 runs), 30 steps,
          log_every 5, eval_every 10, preset toy-2d (so its lr 1e-4 is the runs' default lr)
          with small nets and n_critic 1; read with load_sweep over and over *while it trains*
          (a commit at every log point: many snapshots renamed under the reader);
- extra:  gan at lr 1e20 (diverges at its first log point), lr 3e-3 made to throw at step 2
          (fails before any metric row) and lr 1e-3 SIGKILLed at step 17 (left `running`
          with rows at 5, 10, 15, as a sweep still in flight looks);
- images: gan on a tiny synthetic MNIST-shaped HDF5 pack (no download), seeds 0 and 1
          trained as one packed model (`pack: 2`), samples every 5 steps: for load_samples and
          a pack's wall time.
Every ganrun runs on one thread: these runs are tiny, and LibTorch's worker threads
spin-waiting on cores that other jobs (a parallel build, other tests) are using made a 30-step
run take 10 s instead of 0.1 s.
"""
import hashlib
import os
import pathlib
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

import ganrun_analysis as ga

MAIN_SWEEP = """name: analysis-main
preset: toy-2d
dataset: {{name: toy-ring8}}
arch: toy
toy_depth: 1
toy_width: 32
n_critic: 1
train: {{steps: 30, batch: 32, log_every: 5, eval_every: 10}}
grid:
  variant: [gan, wgan-gp]
  lr: [1.0e-4, 1.0e-3]
  seed: [0, 1]
out: {out}
"""

# Runs go in grid order on one process: the kill (which ends the process) comes last.
EXTRA_SWEEP = """name: analysis-extra
dataset: {{name: toy-ring8}}
variant: gan
arch: toy
toy_width: 32
train: {{steps: 30, batch: 32, log_every: 5, eval_every: 10}}
grid:
  lr: [1.0e20, 3.0e-3, 1.0e-3]
out: {out}
"""
EXTRA_ENV = {"GANRUN_TEST_THROW": "lr3e-3@2", "GANRUN_TEST_KILL": "lr1e-3@17",
             "GANRUN_COMMIT_INTERVAL": "0"}

IMAGE_SWEEP = """name: analysis-images
dataset: {{name: mnist, dir: {pack}, split: test}}
variant: gan
arch: mlp-small
train: {{steps: 10, batch: 16, log_every: 5, sample_every: 5}}
pack: 2
grid:
  seed: [0, 1]
out: {out}
"""


@pytest.fixture(scope="session")
def ganrun_bin():
    path = os.environ.get("GANRUN_BIN")
    if not path:
        pytest.skip("GANRUN_BIN is not set: point it at the ganrun binary "
                    "(build/runner/ganrun) to run the analysis tests on a real sweep")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.skip(f"GANRUN_BIN={path} is not an executable file: build ganrun first")
    return path


def run_ganrun(binary, sweep, env=None, timeout=120):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([binary, "--sweep", str(sweep), "--threads", "1"], env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def write_pack(path, n=128):
    """A ganrun-pack-v1 file of n random 28x28 grey images in 10 classes (README "Data")."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, 1, 28, 28), dtype=np.uint8)
    labels = (np.arange(n) % 10).astype(np.int64)
    with h5py.File(path, "w") as f:
        f.create_dataset("images", data=images, chunks=(min(n, 256), 1, 28, 28))
        f.create_dataset("labels", data=labels)
        f.attrs["format"] = "ganrun-pack-v1"
        f.attrs["dataset"] = "mnist"
        f.attrs["split"] = "test"
        f.attrs["source"] = "synthetic (ganrun_analysis tests)"
        f.attrs["class_names"] = "\n".join(str(i) for i in range(10))
        f.attrs["images_sha256"] = hashlib.sha256(images.tobytes()).hexdigest()
        f.attrs["labels_sha256"] = hashlib.sha256(labels.tobytes()).hexdigest()


@pytest.fixture(scope="session")
def sweeps(ganrun_bin, tmp_path_factory):
    """{'main', 'extra', 'images': out folder, 'live_frames': load_sweep frames read while the
    main sweep trained, 'live_errors': exceptions those reads raised}."""
    root = tmp_path_factory.mktemp("sweeps")
    outs = {name: root / name for name in ("main", "extra", "images")}

    main = root / "main.yaml"
    main.write_text(MAIN_SWEEP.format(out=outs["main"]))
    proc = subprocess.Popen([ganrun_bin, "--sweep", str(main), "--threads", "1"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "GANRUN_COMMIT_INTERVAL": "0"})
    frames, errors = [], []
    while proc.poll() is None:  # read while it trains: the files are renamed under us
        try:
            frames.append(ga.load_sweep(outs["main"]))
            ga.load_metrics(outs["main"])
            ga.load_assignments(outs["main"])
        except Exception as e:  # noqa: BLE001 - collected and asserted on by a test
            errors.append(repr(e))
        time.sleep(0.01)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr

    extra = root / "extra.yaml"
    extra.write_text(EXTRA_SWEEP.format(out=outs["extra"]))
    r = run_ganrun(ganrun_bin, extra, env=EXTRA_ENV)
    assert r.returncode == -signal.SIGKILL, (r.returncode, r.stderr)

    pack = root / "pack.h5"
    write_pack(pack)
    images = root / "images.yaml"
    images.write_text(IMAGE_SWEEP.format(pack=pack, out=outs["images"]))
    r = run_ganrun(ganrun_bin, images)
    assert r.returncode == 0, r.stderr

    return {**outs, "live_frames": frames, "live_errors": errors}


def run_file(out, fragment):
    """The one run file of `out` whose id contains `fragment`."""
    (path,) = [p for p in pathlib.Path(out, "runs").glob("*.h5") if fragment in p.stem]
    return path
