# FwpackImage.cmake: fwpack build as the post-build step of a firmware target.
#
#   include(FwpackImage)   # with this file's folder in CMAKE_MODULE_PATH
#   fwpack_image(app MANIFEST ${CMAKE_CURRENT_SOURCE_DIR}/app.json
#                OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/images)
#
# After `app` links, the manifest is copied next to the target's file, so
# that its relative "input" (and "key") paths name what this build made,
# and `fwpack build -o OUTPUT_DIR` writes the signed images there. A failed
# build of the images fails the target, as a failed link would.
# FWPACK_EXECUTABLE names the fwpack program (found on PATH by default).

find_program(FWPACK_EXECUTABLE fwpack)

function(fwpack_image target)
	cmake_parse_arguments(FWP "" "MANIFEST;OUTPUT_DIR" "" ${ARGN})
	if(NOT FWP_MANIFEST)
		message(FATAL_ERROR "fwpack_image(${target}): MANIFEST is required")
	endif()
	if(NOT FWPACK_EXECUTABLE)
		message(FATAL_ERROR "fwpack_image(${target}): fwpack not found (set FWPACK_EXECUTABLE)")
	endif()
	if(NOT FWP_OUTPUT_DIR)
		set(FWP_OUTPUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/fwpack")
	endif()
	get_filename_component(name "${FWP_MANIFEST}" NAME)
	set(copy "$<TARGET_FILE_DIR:${target}>/${name}")
	add_custom_command(TARGET ${target} POST_BUILD
		COMMAND ${CMAKE_COMMAND} -E copy "${FWP_MANIFEST}" "${copy}"
		COMMAND "${FWPACK_EXECUTABLE}" build -o "${FWP_OUTPUT_DIR}" "${copy}"
		COMMENT "fwpack build: ${name} -> ${FWP_OUTPUT_DIR}"
		VERBATIM)
	set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${FWP_MANIFEST}")
endfunction()
