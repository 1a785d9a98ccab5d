"""pytest options for tests/python: --writer is the write_sample_run_file program (CMake passes
$<TARGET_FILE:write_sample_run_file>), --trace-program the collection_trace program; each test file
needs only its own."""

import pytest


def pytest_addoption(parser):
    parser.addoption("--writer", action="store", default=None,
                     help="path of the write_sample_run_file program")
    parser.addoption("--trace-program", action="store", default=None,
                     help="path of the collection_trace program")


def _program(request, option, name):
    path = request.config.getoption(option)
    if path is None:
        pytest.fail(f"give {option} PATH (the {name} program)")
    return path


@pytest.fixture
def writer(request):
    return _program(request, "--writer", "write_sample_run_file")


@pytest.fixture(scope="session")
def trace_program(request):
    return _program(request, "--trace-program", "collection_trace")
