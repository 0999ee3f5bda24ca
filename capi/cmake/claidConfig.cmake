# find_package(claid CONFIG) for libclaid, installed by `cargo cinstall` into
# <prefix>/share/claid/cmake/. It defines the imported target claid::claid:
# the shared library with claid.h's directory as its include directory.
#
#   find_package(claid 0.2 CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE claid::claid)
#
# Everything is found relative to this file, so the installed prefix can be
# moved or copied elsewhere. cargo-c puts the library in lib/, lib64/ or
# lib/<multiarch>/ (Debian and Ubuntu) depending on the system and --libdir;
# each is looked for. Static linking goes through pkg-config (see the README):
# the static library needs system libraries that only claid.pc lists.

get_filename_component(_claid_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)

set(_claid_libdirs)
if(CMAKE_LIBRARY_ARCHITECTURE)
  list(APPEND _claid_libdirs "lib/${CMAKE_LIBRARY_ARCHITECTURE}")
endif()
list(APPEND _claid_libdirs lib64 lib)

set(_claid_library "")
foreach(_claid_libdir IN LISTS _claid_libdirs)
  set(_claid_candidate
      "${_claid_prefix}/${_claid_libdir}/${CMAKE_SHARED_LIBRARY_PREFIX}claid${CMAKE_SHARED_LIBRARY_SUFFIX}")
  if(NOT _claid_library AND EXISTS "${_claid_candidate}")
    set(_claid_library "${_claid_candidate}")
  endif()
endforeach()

if(NOT EXISTS "${_claid_prefix}/include/claid.h")
  set(claid_FOUND FALSE)
  set(claid_NOT_FOUND_MESSAGE "claid.h is missing from ${_claid_prefix}/include")
elseif(NOT _claid_library)
  set(claid_FOUND FALSE)
  set(claid_NOT_FOUND_MESSAGE
      "libclaid's shared library is missing from ${_claid_prefix}/{${_claid_libdirs}}")
elseif(NOT TARGET claid::claid)
  add_library(claid::claid SHARED IMPORTED)
  set_target_properties(claid::claid PROPERTIES
    IMPORTED_LOCATION "${_claid_library}"
    INTERFACE_INCLUDE_DIRECTORIES "${_claid_prefix}/include")
endif()

unset(_claid_prefix)
unset(_claid_libdirs)
unset(_claid_libdir)
unset(_claid_candidate)
unset(_claid_library)
