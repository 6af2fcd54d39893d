#ifndef KILN_GRAPH_STATUS_MACROS_H_
#define KILN_GRAPH_STATUS_MACROS_H_

// Abseil 20220623 ships no status_macros.h; these are kiln's own.

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define KILN_STATUS_CONCAT_INNER_(a, b) a##b
#define KILN_STATUS_CONCAT_(a, b) KILN_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` yields a non-OK status.
#define KILN_RETURN_IF_ERROR(expr)                       \
  do {                                                   \
    const ::absl::Status kiln_status_ = (expr);          \
    if (!kiln_status_.ok()) return kiln_status_;         \
  } while (0)

// `lhs = value of expr` or returns its status. `lhs` may declare a variable.
#define KILN_ASSIGN_OR_RETURN(lhs, expr) \
  KILN_ASSIGN_OR_RETURN_IMPL_(KILN_STATUS_CONCAT_(kiln_statusor_, __LINE__), lhs, expr)

#define KILN_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // KILN_GRAPH_STATUS_MACROS_H_
