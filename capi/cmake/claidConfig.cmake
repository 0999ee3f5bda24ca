# find_package(claid CONFIG) for libclaid, installed by `cargo cinstall` into
# <prefix>/share/claid/cmake/. It defines two imported targets, each with
# claid.h's directory as its include directory:
#
#   claid::claid         the shared library
#   claid::claid_static  the static library, carrying the system libraries
#                        it needs (claid.pc's Libs.private, the list
#                        `pkg-config --libs --static claid` adds), so a
#                        plugin links it with no further flags
#
#   find_package(claid 0.2 CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE claid::claid)   # or claid::claid_static
#
# Everything is found relative to this file, so the installed prefix can be
# moved or copied elsewhere. cargo-c puts the libraries in lib/, lib64/ or
# lib/<multiarch>/ (Debian and Ubuntu) depending on the system and --libdir;
# each is looked for.

get_filename_component(_claid_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)

set(_claid_libdirs)
if(CMAKE_LIBRARY_ARCHITECTURE)
  list(APPEND _claid_libdirs "lib/${CMAKE_LIBRARY_ARCHITECTURE}")
endif()
list(APPEND _claid_libdirs lib64 lib)

set(_claid_library "")
set(_claid_found_libdir "")
foreach(_claid_libdir IN LISTS _claid_libdirs)
  set(_claid_candidate
      "${_claid_prefix}/${_claid_libdir}/${CMAKE_SHARED_LIBRARY_PREFIX}claid${CMAKE_SHARED_LIBRARY_SUFFIX}")
  if(NOT _claid_library AND EXISTS "${_claid_candidate}")
    set(_claid_library "${_claid_candidate}")
    set(_claid_found_libdir "${_claid_prefix}/${_claid_libdir}")
  endif()
endforeach()

# The static library and the system libraries it needs, both beside the
# shared one. The list is read from the installed claid.pc, where cargo-c
# wrote what rustc reported for this build (--print native-static-libs), so
# CMake and pkg-config give the same flags.
set(_claid_static "${_claid_found_libdir}/${CMAKE_STATIC_LIBRARY_PREFIX}claid${CMAKE_STATIC_LIBRARY_SUFFIX}")
set(_claid_pc "${_claid_found_libdir}/pkgconfig/claid.pc")
set(_claid_native_libs "")
if(_claid_found_libdir AND EXISTS "${_claid_pc}")
  file(STRINGS "${_claid_pc}" _claid_private REGEX "^Libs\\.private:")
  string(REGEX REPLACE "^Libs\\.private:[ \t]*" "" _claid_private "${_claid_private}")
  separate_arguments(_claid_native_libs UNIX_COMMAND "${_claid_private}")
endif()

if(NOT EXISTS "${_claid_prefix}/include/claid.h")
  set(claid_FOUND FALSE)
  set(claid_NOT_FOUND_MESSAGE "claid.h is missing from ${_claid_prefix}/include")
elseif(NOT _claid_library)
  set(claid_FOUND FALSE)
  set(claid_NOT_FOUND_MESSAGE
      "libclaid's shared library is missing from ${_claid_prefix}/{${_claid_libdirs}}")
else()
  if(NOT TARGET claid::claid)
    add_library(claid::claid SHARED IMPORTED)
    set_target_properties(claid::claid PROPERTIES
      IMPORTED_LOCATION "${_claid_library}"
      INTERFACE_INCLUDE_DIRECTORIES "${_claid_prefix}/include")
  endif()
  # A packager may ship the archive apart (a -static package): then only
  # the shared target exists.
  if(NOT TARGET claid::claid_static AND EXISTS "${_claid_static}" AND EXISTS "${_claid_pc}")
    add_library(claid::claid_static STATIC IMPORTED)
    set_target_properties(claid::claid_static PROPERTIES
      IMPORTED_LOCATION "${_claid_static}"
      IMPORTED_LINK_INTERFACE_LANGUAGES "C"
      INTERFACE_INCLUDE_DIRECTORIES "${_claid_prefix}/include"
      INTERFACE_LINK_LIBRARIES "${_claid_native_libs}")
  endif()
endif()

unset(_claid_prefix)
unset(_claid_libdirs)
unset(_claid_libdir)
unset(_claid_candidate)
unset(_claid_library)
unset(_claid_found_libdir)
unset(_claid_static)
unset(_claid_pc)
unset(_claid_private)
unset(_claid_native_libs)
