# Third-party dependencies, all from Debian packages (scripts/apt-packages.txt).
# Under emcmake, find_package of Debian's configs pulls /usr/include into em++
# and breaks the build, so the header-only libraries are staged by symlink.
if(EMSCRIPTEN)
  set(_stage "${CMAKE_BINARY_DIR}/_debian_headers")
  file(MAKE_DIRECTORY "${_stage}")
  foreach(_d nlohmann catch2)
    if(NOT EXISTS "${_stage}/${_d}")
      file(CREATE_LINK "/usr/include/${_d}" "${_stage}/${_d}" SYMBOLIC)
    endif()
  endforeach()
  add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED GLOBAL)
  set_target_properties(nlohmann_json::nlohmann_json PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_stage}")
  add_library(Catch2::Catch2 INTERFACE IMPORTED GLOBAL)
  set_target_properties(Catch2::Catch2 PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_stage}")
else()
  find_package(nlohmann_json 3.10 CONFIG REQUIRED)
  if(TAILOR_BUILD_TESTS)
    find_package(Catch2 2 CONFIG REQUIRED)
  endif()
endif()
