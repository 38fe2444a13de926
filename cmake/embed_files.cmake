# Writes OUTPUT, a C++ file that defines potluck::internal::DashboardAssets(): every file of
# INPUT_DIR as bytes, by file name. Run as cmake -DINPUT_DIR=... -DOUTPUT=... -P embed_files.cmake.
file(GLOB paths LIST_DIRECTORIES false "${INPUT_DIR}/*")
list(SORT paths)
set(arrays "")
set(entries "")
set(i 0)
foreach(path IN LISTS paths)
  get_filename_component(name "${path}" NAME)
  file(READ "${path}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  string(APPEND arrays "const unsigned char kFile${i}[] = {${hex}};\n")
  string(APPEND entries "      {\"${name}\", {reinterpret_cast<const char*>(kFile${i}), sizeof kFile${i}}},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE "${OUTPUT}" "// Generated from ${INPUT_DIR} by cmake/embed_files.cmake; do not edit.
#include \"dashboard_assets.h\"

namespace potluck::internal {
namespace {
${arrays}}  // namespace

const std::vector<EmbeddedFile>& DashboardAssets() {
  static const std::vector<EmbeddedFile> files = {
${entries}  };
  return files;
}

}  // namespace potluck::internal
")
