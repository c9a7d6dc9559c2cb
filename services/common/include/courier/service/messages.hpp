#pragma once
// How the store services address each other: CloudEvents-stamped messages keyed by aggregate.

#include <string>
#include <string_view>

#include "courier/core/cloud_events.hpp"
#include "courier/core/message.hpp"

namespace courier::service {

/// An event or command of `type` about `subject` (also the key), from `source`.
Message make_message(std::string topic, std::string_view type, const std::string& source,
                     const std::string& subject, std::string payload);

/// A reply to `command`: same correlation id, causation id = the command's id, keyed like it.
Message make_reply(const ce::Attributes& command, std::string topic, std::string_view type,
                   const std::string& source, std::string payload);

}  // namespace courier::service
