#ifndef KILN_TOOLS_NPY_H_
#define KILN_TOOLS_NPY_H_

// NumPy .npy files <-> kiln::Weights, for the `kiln` tool's inputs and outputs.
//
// Read: format versions 1.0, 2.0 and 3.0; C order only; little-endian (or
// byte-order-free) dtypes. The kiln types map one to one:
//   '<f4' fp32, '<f2' fp16, '|i1' int8, '<i4' int32, '<i8' int64, '|b1' bool.
// Two more dtypes are converted to the nearest kiln type that holds them:
//   '|u1' (uint8) -> int32, exactly (int8 cannot hold 128..255; images are
//                    often stored as uint8);
//   '<f8' (float64) -> fp32, rounded to nearest (values beyond fp32's range
//                    become +-inf), since kiln computes in fp32 at most.
// Anything else (big-endian, Fortran order, object/string/complex dtypes,
// shape and data size that disagree) is an InvalidArgument status that names
// the file and the problem.
//
// Write: format version 1.0 (2.0 only if the header would exceed 64 KiB),
// with the one-to-one dtype of the weights.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "graph/types.h"

namespace kiln {

// Parses the bytes of an .npy file. `source` names it in error messages.
absl::StatusOr<Weights> ParseNpy(absl::Span<const uint8_t> bytes, absl::string_view source);

// The bytes of an .npy file holding `weights`.
std::vector<uint8_t> SerializeNpy(const Weights& weights);

absl::StatusOr<Weights> ReadNpyFile(const std::string& path);
absl::Status WriteNpyFile(const std::string& path, const Weights& weights);

// The numpy dtype string of a kiln type ("<f4", "|b1", ...).
absl::string_view NpyDescr(DataType dtype);

}  // namespace kiln

#endif  // KILN_TOOLS_NPY_H_
