#pragma once
// Free TCP ports on the loopback interface, for tests that start servers of their own.

#include <cstdint>

namespace courier::testing {

/// The first of `count` consecutive TCP ports on 127.0.0.1 that nothing listens on now, found by
/// binding them (at most 60000 + count). Whoever uses them binds them a moment later, so another
/// process may still take one in between: a test then fails at start-up, it never skips.
/// Throws std::runtime_error after 50 tries without such a block.
uint16_t free_port_block(int count);

}  // namespace courier::testing
