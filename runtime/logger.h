#ifndef KILN_RUNTIME_LOGGER_H_
#define KILN_RUNTIME_LOGGER_H_

// The Logger lives in graph/logger.h (below both the optimizer and the
// runtime); this header keeps "runtime/logger.h" working for code that
// includes it.
#include "graph/logger.h"

#endif  // KILN_RUNTIME_LOGGER_H_
