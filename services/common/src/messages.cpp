#include "courier/service/messages.hpp"

namespace courier::service {

Message make_message(std::string topic, std::string_view type, const std::string& source,
                     const std::string& subject, std::string payload) {
    Message m;
    m.topic = std::move(topic);
    m.payload = std::move(payload);
    ce::Attributes a;
    a.type = std::string(type);
    a.source = source;
    a.subject = subject;
    ce::stamp(m, a);
    return m;
}

Message make_reply(const ce::Attributes& command, std::string topic, std::string_view type,
                   const std::string& source, std::string payload) {
    Message m;
    m.topic = std::move(topic);
    m.payload = std::move(payload);
    ce::stamp(m, ce::caused_by(command, std::string(type), source, command.subject));
    return m;
}

}  // namespace courier::service
