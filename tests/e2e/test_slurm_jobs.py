"""slurm/'s batch scripts on a real single-node Slurm cluster (slurm_cluster.py): a sweep job
requeued mid-run by the cluster (`scontrol requeue`: TERM, then requeued) checkpoints its runs
and, started again (SLURM_RESTART_COUNT=1), resumes them; warned there with USR1 (`scancel
--batch --signal=USR1`, as `--signal=B:USR1@120` warns before a time limit) it checkpoints,
exits 75 and requeues itself; its third start completes every run exactly once. A
data-parallel training job runs one run on 2 tasks."""
import os
import pathlib
import subprocess
import time

import h5py
import pytest

from conftest import GANRUN, completed_runs
from slurm_cluster import SlurmCluster, unavailable_reason

REPO = pathlib.Path(__file__).resolve().parents[2]
STEPS, LOG_EVERY = 2000, 100


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One cluster for the module (a second start right after a stop can miss its ports)."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    with SlurmCluster(tmp_path_factory.mktemp("slurm")) as c:
        yield c


def job_env(cluster):
    env = cluster.env(os.environ)
    env["GANRUN"] = str(pathlib.Path(GANRUN).resolve())
    env["GANRUN_COMMIT_INTERVAL"] = "0"
    return env


def job_state(env, job):
    r = subprocess.run(["scontrol", "show", "job", job], env=env, capture_output=True, text=True)
    for field in r.stdout.split():
        if field.startswith("JobState="):
            return field.split("=", 1)[1]
    return "UNKNOWN"


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def rows_logged(out):
    n = 0
    for path in (out / "runs").glob("*.h5") if (out / "runs").exists() else []:
        try:
            with h5py.File(path, "r") as f:
                n += f.attrs["status"] == "running" and len(f["metrics/step"]) > 0
        except OSError:
            pass
    return n


def resumed_and_training(out):
    """A run resumed from a checkpoint has logged a row past it in this attempt."""
    for path in (out / "runs").glob("*.h5"):
        try:
            with h5py.File(path, "r") as f:
                start = int(f.attrs.get("resumed_from_step", 0))
                if start > 0 and len(f["metrics/step"]) and f["metrics/step"][-1] > start:
                    return True
        except (OSError, KeyError):
            pass
    return False


def test_a_requeued_then_warned_sweep_job_resumes_and_completes_every_run_once(cluster, tmp_path):
    env = job_env(cluster)
    out = tmp_path / "out"
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"""name: slurm
dataset: {{name: toy-ring8}}
variant: gan
arch: toy
toy_width: 32
train: {{steps: {STEPS}, batch: 32, log_every: {LOG_EVERY}, sample_every: 0,
         checkpoint_every: 500}}
grid:
  seed: [0, 1, 2, 3]
out: {out}
""")
    log = tmp_path / "job.out"
    r = subprocess.run(["sbatch", "--parsable", "-n", "2", f"--output={log}",
                        str(REPO / "slurm" / "sweep.sbatch"), str(sweep)],
                       env=env, capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    job = r.stdout.strip().split(";")[0]

    def stop_and_release(how):
        subprocess.run(how, env=env, check=True)
        # Slurm holds a requeued job ~120 s: release it now. Released at once, the new start
        # can race slurmd's teardown of the old step (its srun then fails to launch): let the
        # node settle first, as the hold would.
        wait_for(lambda: job_state(env, job) == "PENDING", 120, "the job to be requeued")
        wait_for(lambda: subprocess.run(["pgrep", "-x", "slurmstepd"]).returncode != 0, 30,
                 "the old job step to be torn down")
        time.sleep(2)
        subprocess.run(["scontrol", "update", f"JobId={job}", "StartTime=now"], env=env,
                       check=True)

    # 1. Requeued mid-run by the cluster (an operator's or a preemption's requeue: Slurm sends
    #    the job TERM, then requeues it).
    wait_for(lambda: rows_logged(out) >= 2, 120, "two runs to train")
    stop_and_release(["scontrol", "requeue", job])
    # 2. The second start (SLURM_RESTART_COUNT=1) resumes; once it trains, the time-limit
    #    warning: the job checkpoints, exits 75 and requeues itself.
    wait_for(lambda: "attempt 2 " in log.read_text() and resumed_and_training(out), 120,
             "the second attempt to train a resumed run")
    stop_and_release(["scancel", "--batch", "--signal=USR1", job])
    wait_for(lambda: job_state(env, job) in ("COMPLETED", "FAILED", "CANCELLED"), 240,
             "the requeued job to end")
    text = log.read_text()
    assert job_state(env, job) == "COMPLETED", text
    for attempt in (1, 2, 3):  # attempt 2: SLURM_RESTART_COUNT=1
        assert f"attempt {attempt} " in text, text
    assert "interrupted (exit 75): requeueing" in text, text

    runs = completed_runs(out, 4, STEPS, LOG_EVERY)
    assert any(int(attrs["resumed_from_step"]) > 0 for attrs in runs.values())
    assert not any((out / "checkpoints").rglob("*.pt"))


def test_a_data_parallel_training_job_runs_one_run_on_two_tasks(cluster, tmp_path):
    env = job_env(cluster)
    out = tmp_path / "dp"
    log = tmp_path / "dp.out"
    r = subprocess.run(["sbatch", "--parsable", "-n", "2", f"--output={log}", "--wait",
                        str(REPO / "slurm" / "train-dp.sbatch"), "--dataset", "toy-ring8",
                        "--arch", "toy", "--toy-width", "16", "--steps", "20", "--batch", "32",
                        "--out", str(out)],
                       env=env, capture_output=True, text=True, cwd=tmp_path, timeout=240)
    assert r.returncode == 0, (r.stderr, log.read_text() if log.exists() else "")
    (path,) = (out / "runs").glob("*.h5")
    with h5py.File(path, "r") as f:
        assert f.attrs["status"] == "completed"
        assert f.attrs["ranks"] == 2 and f.attrs["rank_batch"] == 16
