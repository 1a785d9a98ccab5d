// cmake/torch_pch_anchor.cpp — the one source of ganrun_torch_pch: it exists only so that CMake
// builds the shared LibTorch precompiled header (cmake/TorchPch.cmake), which the other targets
// reuse. It defines nothing.
