// ImportOnnx through //importers/onnx:onnx_importer.
#include "importers/onnx/onnx_importer.h"
#include "tools/commands.h"

namespace kiln {
namespace cli {

absl::StatusOr<NetworkDefinition> ImportOnnx(const std::string& path, int batch,
                                             const std::map<std::string, Dims>& shapes) {
  OnnxImportOptions options;
  options.batch = batch;
  options.input_shapes = shapes;
  return ImportOnnxFile(path, options);
}

}  // namespace cli
}  // namespace kiln
