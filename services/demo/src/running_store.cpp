#include <spdlog/spdlog.h>

#include <thread>

#include "courier/core/errors.hpp"
#include "courier/demo/store_demo.hpp"
#include "courier/http/client.hpp"
#include "courier/pg/connection.hpp"

namespace courier::demo {

using namespace std::chrono_literals;

std::string with_database(const std::string& dsn, const std::string& database) {
    if (dsn.rfind("postgresql://", 0) == 0 || dsn.rfind("postgres://", 0) == 0) {
        const auto scheme_end = dsn.find("://") + 3;
        const auto query = dsn.find('?', scheme_end);
        const auto path = dsn.find('/', scheme_end);
        const auto host_end = path != std::string::npos && (query == std::string::npos || path < query) ? path
                                                                                                         : query;
        std::string out = dsn.substr(0, host_end == std::string::npos ? dsn.size() : host_end) + "/" + database;
        if (query != std::string::npos) out += dsn.substr(query);
        return out;
    }
    return dsn + " dbname=" + database;  // key=value form: a later keyword wins
}

bool wait_until_ready(const std::string& url, std::chrono::milliseconds timeout) {
    const auto [host, port] = http::parse_http_url(url);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            http::Client client(host, port, 2s);
            if (client.get("/readyz").status == 200) return true;
        } catch (const CourierError&) {
        }
        std::this_thread::sleep_for(200ms);
    }
    return false;
}

RunningStore::RunningStore(LaunchOptions options) : options_(std::move(options)) {
    auto admin = pg::Connection::open(options_.database);
    for (const auto* service : {"product", "listing", "order"}) {
        const auto name = options_.database_prefix + service;
        auto exists = admin.exec("SELECT 1 FROM pg_database WHERE datname = $1", {name});
        if (exists.empty()) admin.exec("CREATE DATABASE " + admin.quote_identifier(name));
    }
    const auto url = [this](int offset) {
        return "http://" + options_.address + ":" + std::to_string(options_.base_port + offset);
    };
    endpoints_ = {url(0), url(1), url(2)};
    for (const auto* service : {"product", "listing", "order"}) {
        auto [it, inserted] = processes_.emplace(service, launch(service));
        wait_ready(service, it->second);
    }
}

RunningStore::~RunningStore() { stop(); }

ChildProcess RunningStore::launch(const std::string& service) {
    const int offset = service == "product" ? 0 : service == "listing" ? 1 : 2;
    std::vector<std::pair<std::string, std::string>> env{
        {"COURIER_BROKERS", options_.bootstrap},
        {"COURIER_DATABASE_URL", with_database(options_.database, options_.database_prefix + service)},
        {"COURIER_HTTP_ADDRESS", options_.address},
        {"COURIER_HTTP_PORT", std::to_string(options_.base_port + offset)},
        {"COURIER_GROUP", options_.group_prefix + service},
        {"COURIER_TOPIC_PARTITIONS", std::to_string(options_.partitions)},
        {"COURIER_SAGA_STEP_TIMEOUT", std::to_string(options_.step_timeout.count()) + "ms"},
        {"COURIER_SAGA_COMPENSATION_TIMEOUT", std::to_string(options_.step_timeout.count()) + "ms"},
    };
    env.insert(env.end(), options_.extra_env.begin(), options_.extra_env.end());
    const auto& bin = service == "product" ? options_.product_bin
                      : service == "listing" ? options_.listing_bin
                                             : options_.order_bin;
    return ChildProcess(bin, {}, env, options_.log_dir / (service + ".log"));
}

void RunningStore::wait_ready(const std::string& service, ChildProcess& process) {
    const auto& url = service == "product" ? endpoints_.product : service == "listing" ? endpoints_.listing : endpoints_.order;
    const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!process.running()) {
            throw CourierError(ErrorKind::permanent,
                               "the " + service + " service exited during start-up; its log (" +
                                   process.log().string() + ") ends with:\n" + process.log_tail());
        }
        if (wait_until_ready(url, 500ms)) return;
    }
    throw CourierError(ErrorKind::transient,
                       "the " + service + " service was not ready at " + url + "/readyz within " +
                           std::to_string(options_.ready_timeout.count() / 1000) + " s; its log (" +
                           process.log().string() + ") ends with:\n" + process.log_tail());
}

ChildProcess& RunningStore::process(const std::string& service) {
    auto it = processes_.find(service);
    if (it == processes_.end()) throw ConfigError("no service '" + service + "' (product, listing or order)");
    return it->second;
}

void RunningStore::restart(const std::string& service) {
    auto& old = process(service);
    old.stop();
    processes_.erase(service);
    auto [it, inserted] = processes_.emplace(service, launch(service));
    wait_ready(service, it->second);
}

void RunningStore::stop() {
    // Order first: it stops sending commands; then the participants.
    for (const auto* service : {"order", "listing", "product"}) {
        auto it = processes_.find(service);
        if (it != processes_.end()) it->second.stop();
    }
    processes_.clear();
}

}  // namespace courier::demo
