"""A real single-node Slurm cluster for the tests (Debian 12's slurm-wlm 22.05 and munge):
munged, slurmctld and slurmd started in a temporary folder with their own slurm.conf, so that
`srun --mpi=pmix` and `sbatch` run for real. Root only (munged runs as the munge user; the
daemons as root with SlurmUser=root); `scripts/test` installs the packages.

    with SlurmCluster(tmp_path) as cluster:
        subprocess.run(["srun", "-n", "2", "hostname"], env=cluster.env(os.environ))
"""
import os
import pathlib
import shutil
import socket
import subprocess
import time

DAEMONS = ("slurmctld", "slurmd", "munged")
MUNGE_PID = pathlib.Path("/run/munge/munged.pid")


def unavailable_reason():
    """Why a cluster cannot be started here, or None."""
    if os.geteuid() != 0:
        return "a test Slurm cluster needs root (munged runs as the munge user)"
    missing = [d for d in DAEMONS if shutil.which(d) is None and
               not pathlib.Path("/usr/sbin", d).exists()]
    if missing or shutil.which("srun") is None:
        return (f"Slurm not installed ({', '.join(missing) or 'srun'} missing): "
                "apt-get install slurm-wlm munge (scripts/test does)")
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _munged_running():
    if not MUNGE_PID.exists():
        return False
    try:
        os.kill(int(MUNGE_PID.read_text().strip()), 0)
        return True
    except (ValueError, ProcessLookupError, PermissionError):
        return False


class SlurmCluster:
    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.conf = self.folder / "slurm.conf"
        self.procs = []
        self.started_munged = False

    def env(self, base):
        env = dict(base)
        env["SLURM_CONF"] = str(self.conf)
        return env

    def __enter__(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        self._start_munged()
        node = subprocess.run(["slurmd", "-C"], capture_output=True, text=True,
                              check=True).stdout.splitlines()[0]
        for sub in ("state", "spool"):
            (self.folder / sub).mkdir(exist_ok=True)
        f = self.folder
        self.conf.write_text("\n".join([
            "ClusterName=ganruntest",
            f"SlurmctldHost={socket.gethostname()}",
            "SlurmUser=root", "SlurmdUser=root",
            f"SlurmctldPort={_free_port()}", f"SlurmdPort={_free_port()}",
            f"StateSaveLocation={f / 'state'}", f"SlurmdSpoolDir={f / 'spool'}",
            f"SlurmctldPidFile={f / 'slurmctld.pid'}", f"SlurmdPidFile={f / 'slurmd.pid'}",
            f"SlurmctldLogFile={f / 'slurmctld.log'}", f"SlurmdLogFile={f / 'slurmd.log'}",
            # No cgroups in containers: plain process tracking, no task binding.
            "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none",
            "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core",
            "MpiDefault=pmix", "ReturnToService=2", "MailProg=/bin/true",
            node,
            "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP", ""]))
        env = self.env(os.environ)
        for daemon in ("slurmctld", "slurmd"):
            log = open(self.folder / f"{daemon}.out", "w")
            self.procs.append(subprocess.Popen([daemon, "-D", "-f", str(self.conf)], env=env,
                                               stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            r = subprocess.run(["sinfo", "-h", "-o", "%T"], env=env, capture_output=True,
                               text=True)
            if r.returncode == 0 and "idle" in r.stdout:
                return self
            time.sleep(0.3)
        self.__exit__(None, None, None)
        logs = "".join((self.folder / f"{d}.out").read_text() for d in ("slurmctld", "slurmd"))
        raise RuntimeError(f"the test Slurm cluster did not come up in 30 s:\n{logs}")

    def _start_munged(self):
        if _munged_running():
            return
        key = pathlib.Path("/etc/munge/munge.key")
        if not key.exists():
            subprocess.run(["mungekey", "--create", "--keyfile", str(key)], check=True)
            shutil.chown(key, "munge", "munge")
            key.chmod(0o400)
        MUNGE_PID.parent.mkdir(parents=True, exist_ok=True)
        shutil.chown(MUNGE_PID.parent, "munge", "munge")
        subprocess.run(["runuser", "-u", "munge", "--", "/usr/sbin/munged"], check=True)
        self.started_munged = True

    def __exit__(self, *exc):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if self.started_munged and MUNGE_PID.exists():
            try:
                os.kill(int(MUNGE_PID.read_text().strip()), 15)
            except (ValueError, ProcessLookupError):
                pass
        return False
