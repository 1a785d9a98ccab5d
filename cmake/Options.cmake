# ganrun_options: language level, warnings and ABI flags shared by every ganrun target.
# Torch's _GLIBCXX_USE_CXX11_ABI must be identical in every TU that sees a torch header,
# so it lives here and not on one library.
add_library(ganrun_options INTERFACE)
target_compile_features(ganrun_options INTERFACE cxx_std_20)
target_compile_options(ganrun_options INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter>
  $<$<BOOL:${GANRUN_WERROR}>:-Werror>)
if(TORCH_CXX_FLAGS)
  separate_arguments(_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
  target_compile_options(ganrun_options INTERFACE ${_torch_flags})
endif()
if(GANRUN_SANITIZE)
  target_compile_options(ganrun_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(ganrun_options INTERFACE -fsanitize=address,undefined)
endif()
