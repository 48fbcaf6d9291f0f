# Shared compile settings. The core is held to the strictest set; tests get a
# subset without -Wconversion because cmocka's macros trip it.
set(TRIMETER_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wstrict-prototypes -Wmissing-prototypes -Wundef -Wcast-align -Wvla)
set(TRIMETER_TEST_WARNINGS -Wall -Wextra -Wshadow -Wno-unused-parameter)

if(TRIMETER_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

function(trimeter_strict target)
  target_compile_options(${target} PRIVATE ${TRIMETER_WARNINGS})
  if(TRIMETER_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

function(trimeter_lenient target)
  target_compile_options(${target} PRIVATE ${TRIMETER_TEST_WARNINGS})
  if(TRIMETER_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
