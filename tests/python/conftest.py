"""pytest options for tests/python: --writer is the write_sample_run_file program (CMake passes
$<TARGET_FILE:write_sample_run_file>); only the run-file tests need it."""

import pytest


def pytest_addoption(parser):
    parser.addoption("--writer", action="store", default=None,
                     help="path of the write_sample_run_file program")


@pytest.fixture
def writer(request):
    path = request.config.getoption("--writer")
    if path is None:
        pytest.fail("give --writer PATH (the write_sample_run_file program)")
    return path
