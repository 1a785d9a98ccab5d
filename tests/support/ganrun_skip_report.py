"""pytest plugin for every ganrun pytest file (ctest runs `pytest -p ganrun_skip_report`, with
this folder on PYTHONPATH): records every skipped test with its reason for scripts/test, and
exits 77 (ctest: "Skipped") when every collected test was skipped and none failed.

Records are lines "<test>\\t<case>\\t<reason>" appended to $GANRUN_SKIP_LOG_DIR/<test>.tsv,
<test> being $GANRUN_TEST_NAME (the ctest test) or else the file's name; the same format as
tests/support/skip_log.h. Without GANRUN_SKIP_LOG_DIR nothing is written."""
import os

SKIP_EXIT_CODE = 77

_skipped = set()  # node ids of the tests that were skipped


def _one_line(text):
    return " ".join(str(text).split())


def _record(nodeid, reason):
    log_dir = os.environ.get("GANRUN_SKIP_LOG_DIR")
    if not log_dir:
        return
    test = os.environ.get("GANRUN_TEST_NAME") or nodeid.split("::")[0].rsplit("/", 1)[-1]
    line = f"{test}\t{_one_line(nodeid)}\t{_one_line(reason) or '(no reason given)'}\n"
    os.makedirs(log_dir, exist_ok=True)
    with open(os.path.join(log_dir, f"{test}.tsv"), "a", encoding="utf-8") as f:
        f.write(line)


def pytest_runtest_logreport(report):
    # An expected failure (xfail) also reports as skipped: it ran, so it is not a skip.
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else longrepr
    reason = str(reason)
    if reason.startswith("Skipped: "):
        reason = reason[len("Skipped: "):]
    _skipped.add(report.nodeid)
    _record(report.nodeid, reason)


def pytest_sessionfinish(session, exitstatus):
    # 0 only when nothing failed; no collected test is pytest's own failure (5), kept.
    if exitstatus == 0 and session.testscollected > 0 and len(_skipped) == session.testscollected:
        session.exitstatus = SKIP_EXIT_CODE
