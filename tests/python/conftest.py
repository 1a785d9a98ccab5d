"""pytest options for tests/python: --writer is the write_sample_run_file program (CMake passes
$<TARGET_FILE:write_sample_run_file>)."""

import pytest


def pytest_addoption(parser):
    parser.addoption("--writer", action="store", required=True,
                     help="path of the write_sample_run_file program")


@pytest.fixture
def writer(request):
    return request.config.getoption("--writer")
