#pragma once

#include <string>
#include <string_view>

namespace courier {

/// A random (version 4) UUID in its canonical lowercase form. Thread-safe; each thread has
/// its own generator seeded from std::random_device.
std::string new_uuid();

/// True if `text` is a canonical 36-character UUID (any version, either case).
bool is_uuid(std::string_view text) noexcept;

}  // namespace courier
