"""Every command of the README's Usage section, run for real, so the docs cannot drift from
the code. Substituted, and nothing else: data folders (to where this machine has the data),
output folders (to a temporary folder), lengths (`--steps 3`, and a sweep file's `steps:` or
`epochs:` to 3 steps) and rank counts (at most 2). `srun` lines run on a real single-node Slurm
cluster (slurm_cluster.py). A Usage line this test does not know how to run fails it: teach
the test when the README gains a kind of command."""
import os
import pathlib
import re
import shlex
import subprocess

import h5py
import pytest

from conftest import FASHION, GANRUN, MPIEXEC, SHARED
from slurm_cluster import SlurmCluster, unavailable_reason

REPO = pathlib.Path(__file__).resolve().parents[2]
README = REPO / "README.md"
MAX_RANKS = 2
STEPS = 3
# Where this machine has each data set (the README names a user's own folders).
DATA_DIRS = {"mnist": SHARED / "mnist", "fashion-mnist": FASHION, "cifar10": SHARED / "cifar10"}


def usage_commands():
    """[(line number, command tokens)] of the first sh block of README's '## Usage' section; a
    line `a | b | c` (README's "or") is three commands."""
    lines = README.read_text().splitlines()
    start = lines.index("## Usage")
    first = next(i for i in range(start, len(lines)) if lines[i].startswith("```"))
    commands = []
    for i in range(first + 1, len(lines)):
        if lines[i].startswith("```"):
            return commands
        tokens = shlex.split(lines[i], comments=True)
        while tokens:
            cut = tokens.index("|") if "|" in tokens else len(tokens)
            commands.append((i + 1, tokens[:cut]))
            tokens = tokens[cut + 1:]
    raise AssertionError("README's Usage block is not closed")


COMMANDS = usage_commands()


def test_the_usage_section_has_commands():
    assert len(COMMANDS) >= 8, COMMANDS


def option(tokens, name):
    return tokens[tokens.index(name) + 1] if name in tokens else None


def short_sweep(source, out):
    """A copy of a repository sweep file with out in `out` and 3 steps per run."""
    text = (REPO / source).read_text()
    text = re.sub(r"\b(steps|epochs): *\d+", f"steps: {STEPS}", text)
    text = re.sub(r"(?m)^out: .*$", f"out: {out}", text)
    copy = out.parent / (out.name + ".yaml")
    copy.write_text(text)
    return copy


class Runner:
    """Turns one README command into the command run here, and runs it."""

    def __init__(self, tmp_path, cluster_factory):
        self.tmp = tmp_path
        self.cluster_factory = cluster_factory
        self.outs = {}  # README out folder -> the folder used here

    def out_for(self, name):
        if name not in self.outs:
            self.outs[name] = self.tmp / re.sub(r"[^\w.-]", "_", name)
        return self.outs[name]

    def sweep_out(self, line, source):
        """Each Usage line's sweep trains into a folder of its own (a rerun into another line's
        folder would only skip finished runs)."""
        return self.out_for(f"L{line}-{source}")

    def translate(self, line, tokens):
        """(argv, env) that run README line `line`'s command here."""
        env = dict(os.environ)
        launcher = []
        if tokens[0] == "mpirun":
            ranks = min(int(option(tokens, "-n")), MAX_RANKS)
            launcher = [MPIEXEC, "-n", str(ranks)]
            tokens = tokens[tokens.index("-n") + 2:]
        elif tokens[0] == "srun":
            ranks = min(int(option(tokens, "-n")), MAX_RANKS)
            mpi = [t for t in tokens if t.startswith("--mpi=")]
            launcher = ["srun", *mpi, "-n", str(ranks)]
            tokens = tokens[tokens.index("-n") + 2:]
            env = self.cluster_factory().env(env)
        assert tokens and tokens[0] == "ganrun", f"not a ganrun command: {tokens}"
        args = list(tokens[1:])
        for i, arg in enumerate(args):
            prev = args[i - 1] if i > 0 else ""
            if prev == "--sweep":
                source = "sweeps/quickstart.yaml" if arg == "FILE" else arg
                args[i] = str(short_sweep(source, self.sweep_out(line, source)))
            elif prev == "--steps":
                args[i] = str(STEPS)
            elif prev == "--epochs":
                args[i - 1], args[i] = "--steps", str(STEPS)
            elif prev == "--data-dir":
                dataset = option(args, "--dataset")
                assert dataset in DATA_DIRS, f"no local folder for data set {dataset}"
                args[i] = str(DATA_DIRS[dataset])
            elif prev == "--out" and args[0] == "sample":
                args[i] = str(self.tmp / arg)
            elif prev == "--out":
                args[i] = str(self.out_for(arg))
            elif "<run-id>" in arg:
                folder, _, name = arg.partition("/runs/")
                files = sorted((self.out_for(folder) / "runs").glob("*.h5"))
                assert files, f"{arg}: an earlier Usage line must write {folder}"
                args[i] = str(files[0])
        return launcher + [GANRUN] + args, env

    def run(self, line, tokens):
        argv, env = self.translate(line, tokens)
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    clusters = []

    def cluster():
        if not clusters:
            reason = unavailable_reason()
            if reason:
                pytest.skip(reason)
            clusters.append(SlurmCluster(tmp_path_factory.mktemp("slurm")).__enter__())
        return clusters[0]

    yield Runner(tmp_path_factory.mktemp("usage"), cluster)
    for c in clusters:
        c.__exit__(None, None, None)


def run_statuses(out):
    return {p.name: h5py.File(p, "r").attrs["status"] for p in sorted((out / "runs").glob("*.h5"))}


@pytest.mark.parametrize("line,tokens", COMMANDS, ids=[f"L{n}:{' '.join(t)[:60]}" for n, t in
                                                       COMMANDS])
def test_usage_command_runs(runner, line, tokens, tmp_path):
    args = tokens[tokens.index("ganrun") + 1:]
    for name in DATA_DIRS:
        if option(args, "--dataset") == name and not DATA_DIRS[name].exists():
            pytest.skip(f"{name} is not on this machine ({DATA_DIRS[name]})")
    sweep = option(args, "--sweep")
    source = "sweeps/quickstart.yaml" if sweep == "FILE" else sweep
    out = runner.sweep_out(line, source) if sweep else None
    before = None
    if "--force" in args:
        first = runner.run(line, [t for t in tokens if t != "--force"])  # something to rerun
        assert first.returncode == 0, first.stderr
        before = {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("*.h5")}
        assert before

    r = runner.run(line, tokens)
    assert r.returncode == 0, f"README line {line}: {' '.join(tokens)}\n{r.stderr[-3000:]}"

    if "--help" in args or "--version" in args or args[:1] == ["presets"]:
        assert r.stdout.strip(), r.stderr
    elif args[:1] == ["sample"]:
        png = pathlib.Path(option(runner.translate(line, tokens)[0], "--out"))
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    elif "--dry-run" in args:
        assert not out.exists(), f"--dry-run wrote {out}"
        assert "dynamic" in r.stderr  # the plan table, with its runs
    elif sweep is not None:
        statuses = run_statuses(out)
        assert statuses and set(statuses.values()) == {"completed"}, statuses
        if before is not None:  # --force trained (and so rewrote) every completed run again
            for name, mtime in before.items():
                assert (out / "runs" / name).stat().st_mtime_ns != mtime, name
    else:  # ganrun train
        statuses = run_statuses(runner.out_for(option(args, "--out")))
        assert list(statuses.values()) == ["completed"], statuses
