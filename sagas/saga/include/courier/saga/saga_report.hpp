#pragma once
// Printing instances for people (aligned text) and for tools (JSON): `courier saga list|show`.

#include <iosfwd>
#include <vector>

#include "courier/saga/saga_query.hpp"

namespace courier::saga {

/// One line per instance (id, type, status, step, attempt, updated, deadline, reason) with a
/// header line; or, with `json`, a JSON array of objects with those fields (times RFC 3339,
/// deadline null when none). Never throws except on stream failures set to throw.
void write_instances(std::ostream& out, const std::vector<InstanceSummary>& instances, bool json);

/// The instance's fields, its data and its history (one line per transition); or, with `json`,
/// one object {..., "data": <the data as JSON>, "history": [...]}.
void write_instance(std::ostream& out, const InstanceDetail& instance, bool json);

}  // namespace courier::saga
