# The version check of find_package(claid <version> CONFIG), installed by
# `cargo cinstall` into <prefix>/share/claid/cmake/ beside claidConfig.cmake.
#
# The version is read from the installed claid.h (its CLAID_VERSION_* macros),
# so this file never needs editing for a release. A version is compatible with
# the one asked for when it is not older and has the same ABI, which is what
# the SONAME promises: the same minor version while the major is 0 (0.2.x
# serves a request for 0.2 or 0.2.1, not 0.1 or 0.3), the same major from 1.0
# on.

get_filename_component(_claid_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(_claid_header "${_claid_prefix}/include/claid.h")

if(NOT EXISTS "${_claid_header}")
  set(PACKAGE_VERSION "0")
  set(PACKAGE_VERSION_UNSUITABLE TRUE)
  unset(_claid_prefix)
  unset(_claid_header)
  return()
endif()

file(STRINGS "${_claid_header}" _claid_version_lines
     REGEX "^#define CLAID_VERSION_(MAJOR|MINOR|PATCH) [0-9]+$")
foreach(_claid_part MAJOR MINOR PATCH)
  set(_claid_${_claid_part} "")
  foreach(_claid_line IN LISTS _claid_version_lines)
    if(_claid_line MATCHES "^#define CLAID_VERSION_${_claid_part} ([0-9]+)$")
      set(_claid_${_claid_part} "${CMAKE_MATCH_1}")
    endif()
  endforeach()
endforeach()
set(PACKAGE_VERSION "${_claid_MAJOR}.${_claid_MINOR}.${_claid_PATCH}")

if(NOT PACKAGE_FIND_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
elseif(PACKAGE_VERSION VERSION_LESS PACKAGE_FIND_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
elseif(NOT _claid_MAJOR STREQUAL PACKAGE_FIND_VERSION_MAJOR)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
elseif(_claid_MAJOR STREQUAL "0" AND NOT _claid_MINOR STREQUAL PACKAGE_FIND_VERSION_MINOR)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
else()
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
  if(PACKAGE_VERSION VERSION_EQUAL PACKAGE_FIND_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
endif()

unset(_claid_prefix)
unset(_claid_header)
unset(_claid_version_lines)
unset(_claid_line)
unset(_claid_part)
unset(_claid_MAJOR)
unset(_claid_MINOR)
unset(_claid_PATCH)
