# Checks that the wintree test sources still have the CRLF line endings of a Windows tree
# (tests/wintree/.gitattributes keeps git from converting them).
#   cmake -DWINTREE=<dir> -P check_wintree_crlf.cmake
file(GLOB_RECURSE files "${WINTREE}/*.c" "${WINTREE}/*.h")
if(NOT files)
  message(FATAL_ERROR "no sources under ${WINTREE}")
endif()
foreach(file IN LISTS files)
  # In HEX, because file(READ) as text turns CRLF into LF.
  file(READ "${file}" hex HEX)
  string(REGEX REPLACE "(..)" "\\1 " bytes "${hex}")
  string(REGEX MATCHALL "0a " lf "${bytes}")
  string(REGEX MATCHALL "0d 0a " crlf "${bytes}")
  list(LENGTH lf n_lf)
  list(LENGTH crlf n_crlf)
  if(n_lf EQUAL 0 OR NOT n_lf EQUAL n_crlf)
    message(FATAL_ERROR "${file}: ${n_crlf} of ${n_lf} line endings are CRLF")
  endif()
endforeach()
list(LENGTH files n)
message(STATUS "${n} wintree files, all CRLF")
