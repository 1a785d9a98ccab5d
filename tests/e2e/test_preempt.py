"""Preemption through the real binary under `mpiexec -n 2`: SIGUSR1 sent to mpirun (which
forwards it to the ranks, as Slurm's `--signal=B:USR1@120` warning reaches a job), and
separately SIGTERM sent to each rank directly, make every started run checkpoint at its next
step boundary and end `preempted` (or `completed`), the job exit 75 with readable files; the
same command run again resumes the preempted runs from their checkpoints and completes every
run exactly once (metric steps strictly increasing with no gap). A second invocation on the
same out while the first runs is refused (exit 2) naming the holder. One rank killed outright
(SIGKILL) ends the job; the rerun completes every run, each resumed from its newest checkpoint,
with nothing lost before it. `ganrun status` reads the
runs in flight (and `--watch` repeats until none is running)."""
import os
import re
import signal
import subprocess
import time

import h5py

from conftest import GANRUN, MPIEXEC, completed_runs

STEPS, LOG_EVERY = 2000, 100
SWEEP = """name: preempt
dataset: {{name: toy-ring8}}
variant: gan
arch: toy
toy_width: 32
train: {{steps: {steps}, batch: 32, log_every: {log_every}, sample_every: 0, checkpoint_every: 500}}
grid:
  seed: [0, 1, 2, 3]
out: {out}
"""


def write_sweep(tmp_path, name):
    out = tmp_path / name
    path = tmp_path / f"{name}.yaml"
    path.write_text(SWEEP.format(steps=STEPS, log_every=LOG_EVERY, out=out))
    return path, out


def running_files(out):
    """Run files whose attempt has logged at least one row, with the pid that writes them."""
    found = {}
    for path in (out / "runs").glob("*.h5") if (out / "runs").exists() else []:
        try:
            with h5py.File(path, "r") as f:
                if f.attrs["status"] == "running" and len(f["metrics/step"]) > 0:
                    found[path] = int(f.attrs["pid"])
        except OSError:
            pass  # between a snapshot's rename and its reading
    return found


def start_and_wait_for_two_runs(sweep):
    env = dict(os.environ, GANRUN_COMMIT_INTERVAL="0")
    proc = subprocess.Popen([MPIEXEC, "-n", "2", GANRUN, "--sweep", str(sweep)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    out = sweep.parent / sweep.stem
    while time.time() < deadline:
        files = running_files(out)
        if len(files) >= 2:
            return proc, files
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("two runs did not start: " + proc.communicate()[1])


def check_preempted_then_rerun(sweep, out, proc):
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 75, stderr
    statuses = {}
    for path in (out / "runs").glob("*.h5"):
        with h5py.File(path, "r") as f:  # every file readable
            statuses[path.stem] = (f.attrs["status"], int(f.attrs["stop_step"]))
    preempted = [k for k, (s, _) in statuses.items() if s == "preempted"]
    assert preempted and all(s in ("preempted", "completed") for s, _ in statuses.values()), \
        statuses
    for run_id in preempted:
        stop = statuses[run_id][1]
        # A checkpoint of the step it stopped at (taken on demand), the newest of the run.
        steps = sorted(int(p.stem.split("-")[1])
                       for p in (out / "checkpoints" / run_id).glob("step-*.pt"))
        assert steps and steps[-1] == stop, (run_id, stop, steps)

    st = subprocess.run([GANRUN, "status", str(out)], capture_output=True, text=True, timeout=60)
    assert st.returncode == 0, st.stderr
    for run_id in preempted:
        assert re.search(rf"^{run_id}\s+preempted\s+\d+/{STEPS}\s", st.stdout, re.M), st.stdout

    rerun = subprocess.Popen([MPIEXEC, "-n", "2", GANRUN, "--sweep", str(sweep)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, GANRUN_COMMIT_INTERVAL="0"))
    # `ganrun status --watch` on the sweep in flight: tables until no run is running.
    deadline = time.time() + 60
    while not running_files(out) and time.time() < deadline and rerun.poll() is None:
        time.sleep(0.2)
    watch = subprocess.run([GANRUN, "status", str(out), "--watch", "0.3"], capture_output=True,
                           text=True, timeout=300)
    assert watch.returncode == 0, watch.stderr
    assert re.search(rf"\srunning\s+\d+/{STEPS}\s", watch.stdout), watch.stdout
    _, stderr = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, stderr
    for run_id, attrs in completed_runs(out, 4, STEPS, LOG_EVERY).items():
        if run_id in preempted:
            assert attrs["attempts"] == 2
            assert attrs["resumed_from_step"] == statuses[run_id][1]
    assert not any((out / "checkpoints").rglob("*.pt"))


def test_sigusr1_to_mpirun_preempts_every_rank_and_the_rerun_resumes(tmp_path):
    sweep, out = write_sweep(tmp_path, "usr1")
    proc, _ = start_and_wait_for_two_runs(sweep)
    # A second invocation on the same out meanwhile is refused, naming the holder.
    second = subprocess.run([GANRUN, "--sweep", str(sweep)], capture_output=True, text=True,
                            timeout=60)
    assert second.returncode == 2, second.stderr
    assert f"out folder '{out}' is in use by another ganrun (host " in second.stderr, second.stderr
    assert "wait for it to end, or use another --out" in second.stderr
    proc.send_signal(signal.SIGUSR1)
    check_preempted_then_rerun(sweep, out, proc)


def test_sigterm_to_each_rank_preempts_and_the_rerun_resumes(tmp_path):
    sweep, out = write_sweep(tmp_path, "term")
    proc, files = start_and_wait_for_two_runs(sweep)
    # `ganrun status` reads the files while the runs write them.
    st = subprocess.run([GANRUN, "status", str(out)], capture_output=True, text=True, timeout=60)
    assert st.returncode == 0, st.stderr
    assert st.stdout.startswith("2 run file(s) in ") or st.stdout.startswith("3 run file(s)") \
        or st.stdout.startswith("4 run file(s)"), st.stdout
    assert len(re.findall(rf"\srunning\s+\d+/{STEPS}\s", st.stdout)) >= 2, st.stdout
    for pid in set(files.values()):
        os.kill(pid, signal.SIGTERM)
    check_preempted_then_rerun(sweep, out, proc)


def newest_checkpoints(out):
    newest = {}
    for run_dir in (out / "checkpoints").iterdir() if (out / "checkpoints").exists() else []:
        steps = [int(p.stem.split("-")[1]) for p in run_dir.glob("step-*.pt")]
        if steps:
            newest[run_dir.name] = max(steps)
    return newest


def test_sigkill_of_one_rank_ends_the_job_and_the_rerun_resumes_from_the_checkpoints(tmp_path):
    sweep, out = write_sweep(tmp_path, "kill9")
    proc, files = start_and_wait_for_two_runs(sweep)
    deadline = time.time() + 120  # until a run in flight has its first checkpoint (step 500)
    while not newest_checkpoints(out) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    os.kill(next(iter(files.values())), signal.SIGKILL)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode not in (0, 75), stderr  # mpirun aborts the job
    newest = newest_checkpoints(out)
    assert newest, stderr
    rerun = subprocess.run([MPIEXEC, "-n", "2", GANRUN, "--sweep", str(sweep)],
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    for run_id, attrs in completed_runs(out, 4, STEPS, LOG_EVERY).items():
        if run_id in newest:
            assert attrs["resumed_from_step"] == newest[run_id], run_id
            assert attrs["attempts"] == 2
    assert not any((out / "checkpoints").rglob("*.pt"))
