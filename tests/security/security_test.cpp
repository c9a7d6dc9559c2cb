// Security checks against the real test broker and database (scripts/test starts both): courier
// speaks SASL/PLAIN with the right credentials, fails clearly with wrong ones, and no password —
// of a SASL login or inside a PostgreSQL DSN — ever reaches a log line, even at debug level.

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "courier/demo/child_process.hpp"
#include "courier/demo/store_demo.hpp"
#include "courier/testing/environment.hpp"
#include "courier/testing/program.hpp"
#include "courier/testing/temporary_database.hpp"

using namespace std::chrono_literals;
using courier::demo::ChildProcess;

namespace {

// The test broker's SASL/PLAIN listener (scripts/test starts it with a password of its own).
std::string sasl_setting(const char* variable) {
    return courier::testing::required_env(variable, "Kafka SASL/PLAIN listener",
                                          "scripts/kafka start --sasl-port N (with COURIER_KAFKA_SASL_PASSWORD)");
}

struct Sasl {
    std::string bootstrap = sasl_setting("COURIER_TEST_KAFKA_SASL_BOOTSTRAP");
    std::string user = sasl_setting("COURIER_TEST_KAFKA_SASL_USER");
    std::string password = sasl_setting("COURIER_TEST_KAFKA_SASL_PASSWORD");
};

std::filesystem::path log_dir() {
    auto dir = std::filesystem::path(COURIER_TEST_LOG_DIR) / courier::testing::unique_name("security");
    std::filesystem::create_directories(dir);
    return dir;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Runs the courier CLI to its end (bounded), reading `input` when given; stdout and stderr together.
courier::testing::ProgramRun courier_cli(std::vector<std::string> args, const std::string& input = {}) {
    if (!input.empty()) {
        const auto file = log_dir() / "input.txt";
        std::ofstream(file) << input;
        args.insert(args.end(), {"-f", file.string()});
    }
    auto run = courier::testing::run_program(COURIER_BIN, args, 60s);
    EXPECT_FALSE(run.timed_out) << "courier did not end within 60 s:\n" << run.out << run.err;
    run.out += run.err;
    return run;
}

std::vector<std::string> sasl_flags(const Sasl& sasl, const std::string& password) {
    return {"-b", sasl.bootstrap, "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanism=PLAIN",
            "-X", "sasl.username=" + sasl.user, "-X", "sasl.password=" + password};
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

TEST(KafkaSasl, TheRightCredentialsCreateProduceAndConsumeOverSaslPlain) {
    const Sasl sasl;
    const auto topic = courier::testing::unique_name("sasl");
    const auto auth = sasl_flags(sasl, sasl.password);

    auto created = courier_cli(concat({"topics", "create", topic, "--partitions", "1"}, auth));
    ASSERT_EQ(created.code, 0) << created.out;
    auto produced = courier_cli(concat({"produce", "-t", topic, "-k", "k1"}, auth), "hello over sasl\n");
    ASSERT_EQ(produced.code, 0) << produced.out;
    auto consumed = courier_cli(concat({"consume", "-t", topic, "-c", "1", "-e", "-G", topic + "-reader"}, auth));
    ASSERT_EQ(consumed.code, 0) << consumed.out;
    EXPECT_NE(consumed.out.find("hello over sasl"), std::string::npos) << consumed.out;
    for (const auto* run : {&created, &produced, &consumed}) {
        EXPECT_EQ(run->out.find(sasl.password), std::string::npos) << "the password leaked:\n" << run->out;
    }
}

TEST(KafkaSasl, AWrongPasswordFailsNamingTheAuthenticationAndNeverPrintsIt) {
    const Sasl sasl;
    const std::string wrong = "Wr0ngPassw0rdXyz";
    // librdkafka's own debug output of its security and config handling included.
    auto run = courier_cli(concat({"topics", "list"}, concat(sasl_flags(sasl, wrong), {"-X", "debug=security,conf"})));
    EXPECT_NE(run.code, 0) << run.out;
    EXPECT_NE(run.out.find("kafka._authentication"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("Invalid username or password"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("check the credentials"), std::string::npos) << run.out;
    EXPECT_EQ(run.out.find(wrong), std::string::npos) << "the password leaked:\n" << run.out;
}

namespace {

// The product service at debug level over SASL with `sasl_password`, its database `dsn`; runs it
// until its log shows `until` (or 45 s pass), stops it and returns the whole log.
std::string product_log(const Sasl& sasl, const std::string& sasl_password, const std::string& dsn,
                        const std::string& until, const std::string& log_name) {
    ChildProcess service(COURIER_PRODUCT_BIN, {"--http-port", "0"},
                         {{"COURIER_BROKERS", sasl.bootstrap},
                          {"COURIER_RDKAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT"},
                          {"COURIER_RDKAFKA_SASL_MECHANISM", "PLAIN"},
                          {"COURIER_RDKAFKA_SASL_USERNAME", sasl.user},
                          {"COURIER_RDKAFKA_SASL_PASSWORD", sasl_password},
                          {"COURIER_DATABASE_URL", dsn},
                          {"COURIER_GROUP", courier::testing::unique_name("security")},
                          {"COURIER_LOG_LEVEL", "debug"}},
                         log_dir() / log_name);
    const auto deadline = std::chrono::steady_clock::now() + 45s;
    bool seen = false;
    while (!seen && service.running() && std::chrono::steady_clock::now() < deadline) {
        seen = read_file(service.log()).find(until) != std::string::npos;
        std::this_thread::sleep_for(100ms);
    }
    if (seen) std::this_thread::sleep_for(1s);  // a few more rounds of its loops, at debug level
    service.stop(10s);
    const auto log = read_file(service.log());
    EXPECT_TRUE(seen) << "expected \"" << until << "\" in the log:\n" << log;
    EXPECT_NE(log.find(" debug ["), std::string::npos) << "expected debug lines in the log";
    return log;
}

// The test server's DSN for `database` with a password in it (the cluster trusts loopback, so the
// password is accepted and ignored).
std::string dsn_with_password(const std::string& database, const std::string& password) {
    auto dsn = courier::demo::with_database(courier::testing::pg_dsn(), database);
    const auto at = dsn.find("postgres@");
    if (at == std::string::npos) throw std::runtime_error("unexpected test DSN " + dsn);
    return dsn.replace(at, 9, "postgres:" + password + "@");
}

}  // namespace

TEST(ServiceLogs, ARunningServiceLogsNeitherItsDatabasePasswordNorItsSaslPassword) {
    const Sasl sasl;
    const std::string db_password = "PgSecretP4ss";
    courier::testing::TemporaryDatabase database("security");
    const auto log = product_log(sasl, sasl.password, dsn_with_password(database.name(), db_password),
                                 "HTTP on http://", "product.log");
    EXPECT_EQ(log.find(db_password), std::string::npos) << log;
    EXPECT_EQ(log.find(sasl.password), std::string::npos) << log;
}

TEST(ServiceLogs, ARefusedSaslLoginIsLoggedWithoutThePassword) {
    const Sasl sasl;
    const std::string wrong = "Wr0ngSaslSecret";
    courier::testing::TemporaryDatabase database("security");
    const auto log = product_log(sasl, wrong, database.dsn(), "Invalid username or password", "product-sasl.log");
    EXPECT_EQ(log.find(wrong), std::string::npos) << log;
}

TEST(ServiceLogs, AnUnreachableDatabaseIsNamedWithoutItsPassword) {
    const Sasl sasl;
    const std::string db_password = "PgSecretP4ss";
    const auto log = product_log(sasl, sasl.password, "postgresql://postgres:" + db_password + "@127.0.0.1:1/nowhere",
                                 "database not reachable", "product-db.log");
    EXPECT_NE(log.find("127.0.0.1:1"), std::string::npos) << "the error should say which database:\n" << log;
    EXPECT_EQ(log.find(db_password), std::string::npos) << log;
}
