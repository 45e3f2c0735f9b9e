# KmdfDriver.cmake: builds a KMDF driver's Windows source tree, unchanged, as a Linux process
# linked with the driver-shim runtime.
#
#   include(driver-shim/cmake/KmdfDriver.cmake)
#   kmdf_add_driver(NAME
#       SOURCES src.c ...                      # relative to the current source dir
#       [INCLUDE_DIRS dir ...]                 # the project's extra include directories
#       [WPP_TRACE_HEADER trace.h]             # default: the one tree header defining
#                                              #   WPP_CONTROL_GUIDS, if any .tmh is included
#       [WPP_FUNC "TraceEvents(LEVEL,FLAGS,MSG,...)" ...]  # like WppTraceFunction in a vcxproj
#       [DEFINES NAME=VALUE ...]               # e.g. EVENT_TRACING if the tree wants it
#       [WERROR]                               # keep -Werror for this target (default: off)
#       [COMPILE_ONLY])                        # an OBJECT library: compile, do not link
#
# What a Windows tree needs that gcc does not do by itself:
#  - #include names whose case differs from the file ("Driver.h" for driver.h): every source
#    and tree header is scanned at configure time, and each include that the compiler would
#    not find as spelled, but that exists with other case (or with '\' separators), gets a
#    symlink with the requested spelling in <build>/<NAME>.kmdf/casefix, which is on the
#    include path. The scanned files are configure dependencies, so editing them re-scans.
#  - #include "x.tmh": one .tmh per included name (and per source) is generated at build time
#    by wpp_tmh (tools/wpp_tmh.c) from the trace header, into <build>/<NAME>.kmdf/tmh.
#  - MSVC's quoted-include search also looks in the directories of the files already open;
#    gcc does not, so the directories of all sources are added to the include path.
#  - CRLF line endings, including backslash-CRLF continuations: gcc and clang accept them.
# Nothing in the driver tree is written to.
#
# The executable links the shim runtime library, which provides main(): the target named by
# KMDF_SHIM_RUNTIME (default dmaemu_shim). The Windows headers come from KMDF_SHIM_INCLUDE_DIR
# (default driver-shim/include). Both are read when kmdf_add_driver() is called, so they can
# be set in any directory; the module itself is included once (include_guard) and its
# functions work from every directory.

include_guard(GLOBAL)

get_filename_component(_KMDF_SHIM_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set_property(GLOBAL PROPERTY KMDF_SHIM_DIR "${_KMDF_SHIM_DIR}")

# The Windows dialect, flag by flag.
function(_kmdf_dialect_options out)
  set(options
      # Unnamed members of a named struct/union type (struct { HEADER; ULONG x; }), which
      # MSVC accepts and Windows code uses.
      -fms-extensions
      # wchar_t is 16-bit on Windows: L"..." must be UTF-16 like WCHAR, UNICODE_STRING and the
      # %ws / %wZ arguments of trace calls. Driver code must not call libc's wide functions.
      -fshort-wchar
      # MSVC's char is signed on every architecture (gcc's is unsigned on ARM).
      -fsigned-char
      # Drivers pun types freely (PUCHAR as PULONG, CONTAINING_RECORD); MSVC does no
      # type-based alias analysis, so neither may we.
      -fno-strict-aliasing
      # An uninitialised global defined in a header (ULONG DebugLevel;) is one variable with
      # MSVC (a communal definition), not a multiple-definition link error.
      -fcommon
      # #pragma warning / alloc_text / code_seg / prefast: meaningful only to MSVC.
      -Wno-unknown-pragmas
      # Four-character pool tags: ExAllocatePoolWithTag(..., 'gaTP'); same value as MSVC's.
      -Wno-multichar
      # clang notices that an include reached through a case-fixing link differs in case from
      # the file: that is the point of the links.
      "$<$<C_COMPILER_ID:Clang,AppleClang>:-Wno-nonportable-include-path>")
  set(${out} "${options}" PARENT_SCOPE)
endfunction()

if(NOT TARGET dmaemu_wpp_tmh)
  add_executable(dmaemu_wpp_tmh "${_KMDF_SHIM_DIR}/tools/wpp_tmh.c"
                                "${_KMDF_SHIM_DIR}/tools/wpp_tmh_parse.c"
                                "${_KMDF_SHIM_DIR}/tools/wpp_tmh_emit.c")
  set_target_properties(dmaemu_wpp_tmh PROPERTIES OUTPUT_NAME wpp_tmh C_STANDARD 17
                                                  C_STANDARD_REQUIRED ON)
endif()

# ---- include scanning ----------------------------------------------------------------------

# The #include "..." and #include <...> names in file, as lists.
function(_kmdf_read_includes file out_quoted out_angled)
  file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]")
  set(quoted "")
  set(angled "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\"")
      list(APPEND quoted "${CMAKE_MATCH_1}")
    elseif(line MATCHES "^[ \t]*#[ \t]*include[ \t]*<([^>]+)>")
      list(APPEND angled "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  set(${out_quoted} "${quoted}" PARENT_SCOPE)
  set(${out_angled} "${angled}" PARENT_SCOPE)
endfunction()

# The entry of dir whose name equals name without regard to case, or "".
function(_kmdf_find_entry_nocase dir name out)
  set(${out} "" PARENT_SCOPE)
  if(NOT IS_DIRECTORY "${dir}")
    return()
  endif()
  file(GLOB entries LIST_DIRECTORIES true RELATIVE "${dir}" "${dir}/*")
  string(TOLOWER "${name}" want)
  foreach(entry IN LISTS entries)
    string(TOLOWER "${entry}" lower)
    if(lower STREQUAL want)
      set(${out} "${entry}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
endfunction()

# Resolves the include name req under base as Windows would: '\' or '/' separators, any case.
# Sets out to the file's real path, or "".
function(_kmdf_resolve_nocase base req out)
  string(REPLACE "\\" "/" rel "${req}")
  string(REPLACE "/" ";" parts "${rel}")
  set(cur "${base}")
  foreach(part IN LISTS parts)
    if(part STREQUAL "" OR part STREQUAL ".")
      continue()
    elseif(part STREQUAL "..")
      get_filename_component(cur "${cur}" DIRECTORY)
    elseif(EXISTS "${cur}/${part}")
      set(cur "${cur}/${part}")
    else()
      _kmdf_find_entry_nocase("${cur}" "${part}" entry)
      if(entry STREQUAL "")
        set(${out} "" PARENT_SCOPE)
        return()
      endif()
      set(cur "${cur}/${entry}")
    endif()
  endforeach()
  if(IS_DIRECTORY "${cur}")
    set(cur "")
  endif()
  set(${out} "${cur}" PARENT_SCOPE)
endfunction()

# Number of leading ".." components of an include name.
function(_kmdf_updirs req out)
  set(n 0)
  string(REPLACE "/" ";" parts "${req}")
  foreach(part IN LISTS parts)
    if(NOT part STREQUAL "..")
      break()
    endif()
    math(EXPR n "${n} + 1")
  endforeach()
  set(${out} ${n} PARENT_SCOPE)
endfunction()

# Looks up one include from includer_dir (quoted: "" or angled: <>) in dirs. Sets out_exact
# to the path gcc would find as spelled (or ""), out_fixed to the file found ignoring case and
# separators (or "").
function(_kmdf_lookup req quoted includer_dir dirs out_exact out_fixed)
  set(search ${dirs})
  if(quoted)
    list(PREPEND search "${includer_dir}")
  endif()
  set(${out_exact} "" PARENT_SCOPE)
  set(${out_fixed} "" PARENT_SCOPE)
  foreach(dir IN LISTS search)
    if(EXISTS "${dir}/${req}" AND NOT IS_DIRECTORY "${dir}/${req}")
      set(${out_exact} "${dir}/${req}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  foreach(dir IN LISTS search)
    _kmdf_resolve_nocase("${dir}" "${req}" found)
    if(NOT found STREQUAL "")
      set(${out_fixed} "${found}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
endfunction()

# _kmdf_lookup() with a cache for the configure run: a driver's files include the same
# headers over and over, and angled names resolve the same from every file.
function(_kmdf_cached_lookup req quoted includer_dir dirs out_exact out_fixed)
  set(key "<${req}>|${dirs}")
  if(quoted)
    set(key "\"${req}\"|${includer_dir}|${dirs}")
  endif()
  string(MD5 key "${key}")
  get_property(cached GLOBAL PROPERTY _KMDF_LOOKUP_${key} SET)
  if(NOT cached)
    _kmdf_lookup("${req}" ${quoted} "${includer_dir}" "${dirs}" exact fixed)
    set_property(GLOBAL PROPERTY _KMDF_LOOKUP_${key} "${exact}" "${fixed}")
  endif()
  get_property(result GLOBAL PROPERTY _KMDF_LOOKUP_${key})
  list(GET result 0 exact)
  list(GET result 1 fixed)
  set(${out_exact} "${exact}" PARENT_SCOPE)
  set(${out_fixed} "${fixed}" PARENT_SCOPE)
endfunction()

# The include name _req (quoted if _quoted) met by _kmdf_scan. A macro, to update that
# function's lists; it takes no arguments because macro arguments are re-parsed, and an
# include name like "inc\Public.h" would then be read as an invalid escape.
macro(_kmdf_scan_one)
  string(TOLOWER "${_req}" _lower)
  if(_lower MATCHES "\\.tmh$")
    list(APPEND tmh "${_req}")
  else()
    _kmdf_cached_lookup("${_req}" ${_quoted} "${includer_dir}" "${dirs}" _exact _fixed)
    set(_real "${_exact}")
    if(_real STREQUAL "" AND NOT _fixed STREQUAL "")
      set(_real "${_fixed}")
      if(NOT _req IN_LIST linked_names)
        list(APPEND linked_names "${_req}")
        list(APPEND links "${_req}|${_fixed}")
      endif()
    endif()
    # Follow into the tree, not into the shim's own headers.
    if(NOT _real STREQUAL "")
      get_filename_component(_real "${_real}" ABSOLUTE)
      string(FIND "${_real}" "${shim_dir}/" _at)
      if(NOT _at EQUAL 0)
        list(APPEND todo "${_real}")
      endif()
    endif()
  endif()
endmacro()

# Scans files and what they include (transitively, within the tree) for include names that
# need a case-fixing symlink and for .tmh names. Results in the caller's scope:
#   _kmdf_links    list of "<include name>|<real file>"
#   _kmdf_tmh      .tmh include names
#   _kmdf_scanned  every file read
function(_kmdf_scan files dirs shim_dir)
  set(todo ${files})
  set(scanned "")
  set(links "")
  set(linked_names "")
  set(tmh "")
  while(todo)
    list(POP_FRONT todo file)
    if(NOT file IN_LIST scanned)
      list(APPEND scanned "${file}")
      get_filename_component(includer_dir "${file}" DIRECTORY)
      _kmdf_read_includes("${file}" quoted angled)
      set(_quoted ON)
      foreach(_req IN LISTS quoted)
        _kmdf_scan_one()
      endforeach()
      set(_quoted OFF)
      foreach(_req IN LISTS angled)
        _kmdf_scan_one()
      endforeach()
    endif()
  endwhile()
  list(REMOVE_DUPLICATES tmh)
  set(_kmdf_links "${links}" PARENT_SCOPE)
  set(_kmdf_tmh "${tmh}" PARENT_SCOPE)
  set(_kmdf_scanned "${scanned}" PARENT_SCOPE)
endfunction()

# One symlink: link (made absolute, "../" resolved) -> real.
function(_kmdf_link real link)
  get_filename_component(link "${link}" ABSOLUTE)
  get_filename_component(link_dir "${link}" DIRECTORY)
  file(MAKE_DIRECTORY "${link_dir}")
  file(CREATE_LINK "${real}" "${link}" RESULT rc SYMBOLIC)
  if(NOT rc EQUAL 0)
    message(WARNING "kmdf_add_driver: cannot link ${link} -> ${real}: ${rc}")
  endif()
endfunction()

# Creates the case-fixing symlinks under root; sets out to the directory for the include path.
# An include name starting with "../" is resolved by the OS relative to that directory, so it
# is nested deep enough for every such name to stay inside root.
function(_kmdf_make_links root links out)
  file(REMOVE_RECURSE "${root}")
  set(depth 0)
  foreach(entry IN LISTS links)
    string(REGEX REPLACE "\\|.*$" "" req "${entry}")
    string(REPLACE "\\" "/" req "${req}")
    _kmdf_updirs("${req}" n)
    if(n GREATER depth)
      set(depth ${n})
    endif()
  endforeach()
  set(dir "${root}")
  if(depth GREATER 0)
    foreach(i RANGE 1 ${depth})
      set(dir "${dir}/d")
    endforeach()
  endif()
  file(MAKE_DIRECTORY "${dir}")
  foreach(entry IN LISTS links)
    string(REGEX REPLACE "\\|.*$" "" req "${entry}")
    string(REGEX REPLACE "^[^|]*\\|" "" real "${entry}")
    if(req MATCHES "\\\\")
      # gcc takes '\' in an include name literally: one file named with the backslashes,
      # which ln makes (CMake's file() would turn them into '/'). clang with -fms-extensions
      # reads them as '/': a path with directories, made below.
      execute_process(COMMAND ln -sfn "${real}" "${dir}/${req}" RESULT_VARIABLE rc)
      if(NOT rc EQUAL 0)
        message(WARNING "kmdf_add_driver: cannot link ${req} -> ${real}")
      endif()
      string(REPLACE "\\" "/" req "${req}")
    endif()
    if(NOT EXISTS "${dir}/${req}")
      _kmdf_link("${real}" "${dir}/${req}")
    endif()
  endforeach()
  set(${out} "${dir}" PARENT_SCOPE)
endfunction()

# ---- WPP ------------------------------------------------------------------------------------

# The one scanned file that #defines WPP_CONTROL_GUIDS, for trees that do not name it.
function(_kmdf_find_trace_header name files out)
  set(found "")
  foreach(file IN LISTS files)
    file(STRINGS "${file}" hits REGEX "^[ \t]*#[ \t]*define[ \t]+WPP_CONTROL_GUIDS([ \t\r\\\\]|$)")
    if(hits)
      list(APPEND found "${file}")
    endif()
  endforeach()
  list(LENGTH found n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "kmdf_add_driver(${name}): the tree includes .tmh files; "
                        "${n} headers define WPP_CONTROL_GUIDS (${found}): "
                        "name the trace header with WPP_TRACE_HEADER")
  endif()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

# The source file a .tmh name belongs to (same stem, any case), for the generated comments.
function(_kmdf_tmh_source tmh sources out)
  get_filename_component(stem "${tmh}" NAME_WE)
  string(TOLOWER "${stem}" want)
  set(${out} "${stem}.c" PARENT_SCOPE)
  foreach(src IN LISTS sources)
    get_filename_component(src_stem "${src}" NAME_WE)
    string(TOLOWER "${src_stem}" have)
    if(have STREQUAL want)
      get_filename_component(src_name "${src}" NAME)
      set(${out} "${src_name}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
endfunction()

# Adds the commands generating every .tmh into tmh_dir; sets out to the generated files.
function(_kmdf_add_tmh_commands name header funcs tmh_names sources tmh_dir out)
  set(func_args "")
  foreach(func IN LISTS funcs)
    list(APPEND func_args --func "${func}")
  endforeach()
  set(outputs "")
  foreach(tmh IN LISTS tmh_names)
    _kmdf_tmh_source("${tmh}" "${sources}" source_name)
    get_filename_component(out_dir "${tmh_dir}/${tmh}" DIRECTORY)
    add_custom_command(
      OUTPUT "${tmh_dir}/${tmh}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${out_dir}"
      COMMAND dmaemu_wpp_tmh --header "${header}" --source "${source_name}"
              --output "${tmh_dir}/${tmh}" ${func_args}
      DEPENDS dmaemu_wpp_tmh "${header}"
      COMMENT "WPP ${name}: ${tmh}"
      VERBATIM)
    list(APPEND outputs "${tmh_dir}/${tmh}")
  endforeach()
  set_source_files_properties(${outputs} PROPERTIES HEADER_FILE_ONLY ON GENERATED ON)
  set(${out} "${outputs}" PARENT_SCOPE)
endfunction()

# ---- kmdf_add_driver --------------------------------------------------------------------------

function(_kmdf_absolute_paths out)
  set(paths "")
  foreach(path IN LISTS ARGN)
    get_filename_component(abs "${path}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND paths "${abs}")
  endforeach()
  set(${out} "${paths}" PARENT_SCOPE)
endfunction()

# Sources, the headers beside them and in the include directories: where scanning starts.
function(_kmdf_tree_files sources dirs out)
  set(files ${sources})
  foreach(dir IN LISTS dirs)
    file(GLOB headers LIST_DIRECTORIES false "${dir}/*.[hH]" "${dir}/*.hpp" "${dir}/*.hxx"
         "${dir}/*.inl")
    list(APPEND files ${headers})
  endforeach()
  list(REMOVE_DUPLICATES files)
  set(${out} "${files}" PARENT_SCOPE)
endfunction()

function(kmdf_add_driver name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "COMPILE_ONLY;WERROR" "WPP_TRACE_HEADER"
                        "SOURCES;INCLUDE_DIRS;WPP_FUNC;DEFINES")
  if(ARG_UNPARSED_ARGUMENTS OR NOT ARG_SOURCES)
    message(FATAL_ERROR "kmdf_add_driver(${name} SOURCES src... [INCLUDE_DIRS dir...] "
                        "[WPP_TRACE_HEADER h] [WPP_FUNC spec...] [DEFINES d...] [WERROR] "
                        "[COMPILE_ONLY]): bad arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  _kmdf_absolute_paths(sources ${ARG_SOURCES})
  _kmdf_absolute_paths(include_dirs ${ARG_INCLUDE_DIRS})
  set(source_dirs "")
  foreach(src IN LISTS sources)
    get_filename_component(dir "${src}" DIRECTORY)
    list(APPEND source_dirs "${dir}")
  endforeach()
  list(REMOVE_DUPLICATES source_dirs)
  get_property(shim_dir GLOBAL PROPERTY KMDF_SHIM_DIR)
  set(shim_include "${shim_dir}/include")
  if(DEFINED KMDF_SHIM_INCLUDE_DIR)
    get_filename_component(shim_include "${KMDF_SHIM_INCLUDE_DIR}" ABSOLUTE)
  endif()
  set(runtime dmaemu_shim)
  if(DEFINED KMDF_SHIM_RUNTIME)
    set(runtime ${KMDF_SHIM_RUNTIME})
  endif()
  set(search_dirs ${include_dirs} ${source_dirs} "${shim_include}")
  set(gen "${CMAKE_CURRENT_BINARY_DIR}/${name}.kmdf")

  _kmdf_tree_files("${sources}" "${include_dirs};${source_dirs}" tree_files)
  _kmdf_scan("${tree_files}" "${search_dirs}" "${shim_include}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_kmdf_scanned})
  _kmdf_make_links("${gen}/casefix" "${_kmdf_links}" casefix_dir)

  # WPP: a .tmh for every included name and every source, when there is a trace header.
  set(tmh_files "")
  set(header "")
  if(ARG_WPP_TRACE_HEADER)
    _kmdf_absolute_paths(header "${ARG_WPP_TRACE_HEADER}")
  elseif(_kmdf_tmh)
    _kmdf_find_trace_header(${name} "${_kmdf_scanned}" header)
  endif()
  if(header)
    set(tmh_names ${_kmdf_tmh})
    foreach(src IN LISTS sources)
      get_filename_component(stem "${src}" NAME_WE)
      list(APPEND tmh_names "${stem}.tmh")
    endforeach()
    list(REMOVE_DUPLICATES tmh_names)
    _kmdf_add_tmh_commands(${name} "${header}" "${ARG_WPP_FUNC}" "${tmh_names}" "${sources}"
                           "${gen}/tmh" tmh_files)
  endif()

  if(ARG_COMPILE_ONLY)
    add_library(${name} OBJECT ${sources} ${tmh_files})
  else()
    add_executable(${name} ${sources} ${tmh_files})
    target_link_libraries(${name} PRIVATE ${runtime})
  endif()
  target_include_directories(${name} PRIVATE ${include_dirs} ${source_dirs} "${gen}/tmh"
                                             "${casefix_dir}" "${shim_include}")
  target_compile_definitions(${name} PRIVATE ${ARG_DEFINES})
  _kmdf_dialect_options(dialect)
  target_compile_options(${name} PRIVATE ${dialect})
  if(NOT ARG_WERROR)
    # Warnings in a driver written for MSVC are worth reading, not worth failing CI over.
    target_compile_options(${name} PRIVATE -Wno-error)
  endif()
  set_target_properties(${name} PROPERTIES C_STANDARD 17 C_STANDARD_REQUIRED ON
                                           KMDF_TMH_DIR "${gen}/tmh"
                                           KMDF_CASEFIX_DIR "${casefix_dir}")
endfunction()
