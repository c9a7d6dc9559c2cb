#include "errors.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>

namespace courier::broker::kafka {

bool is_transient(rd_kafka_resp_err_t err) noexcept {
    switch (err) {
        case RD_KAFKA_RESP_ERR__QUEUE_FULL:
        case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
        case RD_KAFKA_RESP_ERR__TIMED_OUT:
        case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
        case RD_KAFKA_RESP_ERR__TRANSPORT:
        case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        case RD_KAFKA_RESP_ERR__RESOLVE:
        case RD_KAFKA_RESP_ERR__WAIT_COORD:
        case RD_KAFKA_RESP_ERR__IN_PROGRESS:
        case RD_KAFKA_RESP_ERR__PREV_IN_PROGRESS:
        case RD_KAFKA_RESP_ERR__RETRY:
        case RD_KAFKA_RESP_ERR__NODE_UPDATE:
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        case RD_KAFKA_RESP_ERR__NO_OFFSET:
        case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
        case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
        case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
        case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
        case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
        case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
        case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
        case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
        case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
        case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_PREFERRED_LEADER_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
        case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
            return true;
        default:
            return false;
    }
}

std::string error_code(rd_kafka_resp_err_t err) {
    std::string name = rd_kafka_err2name(err);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return "kafka." + name;
}

namespace {
std::string_view hint_for(rd_kafka_resp_err_t err) {
    switch (err) {
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
            return "create the topic first (the broker does not auto-create topics), or check its name";
        case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
            return "the message exceeds message.max.bytes; send less, or raise the limit on the client and topic";
        case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
        case RD_KAFKA_RESP_ERR__TIMED_OUT:
        case RD_KAFKA_RESP_ERR__TRANSPORT:
        case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        case RD_KAFKA_RESP_ERR__RESOLVE:
            return "is the broker running and reachable at bootstrap.servers? (local: scripts/kafka start)";
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR__AUTHENTICATION:
        case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
            return "check the credentials and ACLs (sasl.* / ssl.* properties)";
        default:
            return {};
    }
}
}  // namespace

Error to_error(rd_kafka_resp_err_t err, std::string_view context, std::string_view detail) {
    std::string message(context);
    message += ": ";
    message += detail.empty() ? std::string_view(rd_kafka_err2str(err)) : detail;
    if (auto hint = hint_for(err); !hint.empty()) {
        message += " (hint: ";
        message += hint;
        message += ")";
    }
    return Error{is_transient(err) ? ErrorKind::transient : ErrorKind::permanent, error_code(err), std::move(message)};
}

namespace {
// Only clients that were refused have an entry; entries go with their client.
std::mutex auth_failures_mutex;
std::map<const rd_kafka_t*, std::string> auth_failures;

bool is_symptom_of_refusal(rd_kafka_resp_err_t err) {
    return err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
           err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT;
}
}  // namespace

void note_client_error(const rd_kafka_t* rk, rd_kafka_resp_err_t err, const char* reason) {
    if (rk == nullptr || (err != RD_KAFKA_RESP_ERR__AUTHENTICATION && err != RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED)) {
        return;
    }
    std::lock_guard lock(auth_failures_mutex);
    auth_failures[rk] = reason ? reason : rd_kafka_err2str(err);
}

void forget_client_errors(const rd_kafka_t* rk) noexcept {
    std::lock_guard lock(auth_failures_mutex);
    auth_failures.erase(rk);
}

Error client_error(rd_kafka_t* rk, rd_kafka_resp_err_t err, std::string_view context, std::string_view detail) {
    if (is_symptom_of_refusal(err)) {
        // Error callbacks run only inside rd_kafka_poll; an admin client is never polled otherwise.
        rd_kafka_poll(rk, 0);
        std::lock_guard lock(auth_failures_mutex);
        if (auto it = auth_failures.find(rk); it != auth_failures.end()) {
            return to_error(RD_KAFKA_RESP_ERR__AUTHENTICATION, context, it->second);
        }
    }
    return to_error(err, context, detail);
}

}  // namespace courier::broker::kafka
