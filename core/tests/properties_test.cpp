#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "courier/core/errors.hpp"
#include "courier/core/properties.hpp"

using courier::ConfigError;
using courier::Properties;

TEST(Properties, ParseAssignmentSplitsAtTheFirstEquals) {
    auto [k, v] = Properties::parse_assignment("sasl.jaas.config=a=b", "-X");
    EXPECT_EQ(k, "sasl.jaas.config");
    EXPECT_EQ(v, "a=b");
}

TEST(Properties, ParseAssignmentRejectsAMissingEqualsNamingWhere) {
    try {
        (void)Properties::parse_assignment("linger.ms", "-X");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("-X: expected key=value"), std::string::npos) << e.what();
    }
}

TEST(Properties, LaterSourcesOverrideEarlierOnes) {
    auto dir = std::filesystem::temp_directory_path() / ("courier-props-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto file = dir / "kafka.conf";
    std::ofstream(file) << "# comment\nbootstrap.servers=file:1\nlinger.ms=10\n\nclient.id=from-file\n";
    ::setenv("COURIER_RDKAFKA_LINGER_MS", "20", 1);
    Properties flags;
    flags.set("client.id", "from-flag");
    auto merged = courier::resolve_kafka_properties(flags, file);
    ::unsetenv("COURIER_RDKAFKA_LINGER_MS");
    std::filesystem::remove_all(dir);
    EXPECT_EQ(merged.get("bootstrap.servers"), "file:1");
    EXPECT_EQ(merged.get("linger.ms"), "20") << "environment beats file";
    EXPECT_EQ(merged.get("client.id"), "from-flag") << "flags beat everything";
}

TEST(Properties, ABadLineInAFileIsReportedWithItsLineNumber) {
    auto file = std::filesystem::temp_directory_path() / ("courier-bad-" + std::to_string(::getpid()) + ".conf");
    std::ofstream(file) << "a=1\noops\n";
    try {
        (void)Properties::load_file(file);
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find(file.string() + ":2"), std::string::npos) << e.what();
    }
    std::filesystem::remove(file);
}

TEST(Properties, TheLocalBrokerScriptsVariablesAreNotTakenForClientProperties) {
    ::setenv("COURIER_KAFKA_PORT", "39092", 1);
    auto props = courier::kafka_properties_from_env();
    ::unsetenv("COURIER_KAFKA_PORT");
    EXPECT_FALSE(props.contains("port"));
}

TEST(Properties, SecretsAreRecognisedSoTheyAreNeverPrinted) {
    EXPECT_TRUE(courier::is_secret_property("sasl.password"));
    EXPECT_TRUE(courier::is_secret_property("ssl.key.password"));
    EXPECT_FALSE(courier::is_secret_property("bootstrap.servers"));
}
