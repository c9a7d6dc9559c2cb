// Service settings: flag > environment > default, and clear errors for bad flags.

#include <gtest/gtest.h>

#include <cstdlib>

#include "courier/core/errors.hpp"
#include "courier/service/service_options.hpp"

using namespace courier;
using namespace courier::service;

TEST(ServiceSettings, AFlagBeatsTheEnvironmentWhichBeatsTheDefault) {
    const auto settings = common_settings("product", 8081);
    ::setenv("COURIER_HTTP_PORT", "9999", 1);
    ::setenv("COURIER_GROUP", "from-env", 1);
    auto parsed = Settings::parse({"--group", "from-flag"}, settings);
    ::unsetenv("COURIER_HTTP_PORT");
    ::unsetenv("COURIER_GROUP");
    EXPECT_EQ(parsed.get("group"), "from-flag");
    EXPECT_EQ(parsed.get_int("http-port"), 9999);
    EXPECT_EQ(parsed.get("http-address"), "127.0.0.1");
    auto defaults = Settings::parse({}, settings);
    EXPECT_EQ(defaults.get_int("http-port"), 8081);
    EXPECT_EQ(defaults.get("group"), "store-product");
}

TEST(ServiceSettings, FlagsTakeValuesInlineOrNextAndSwitchesStandAlone) {
    auto parsed = Settings::parse({"--http-port=7000", "--rebuild", "--partitions", "2"},
                                  common_settings("listing", 8082), {"rebuild"});
    EXPECT_EQ(parsed.get_int("http-port"), 7000);
    EXPECT_EQ(parsed.get_int("partitions"), 2);
    EXPECT_TRUE(parsed.has_switch("rebuild"));
    EXPECT_FALSE(parsed.help());
}

TEST(ServiceSettings, UnknownFlagsMissingValuesAndBadNumbersAreConfigErrorsNamingTheFlag) {
    const auto settings = common_settings("order", 8083);
    try {
        Settings::parse({"--no-such-flag", "1"}, settings);
        FAIL() << "accepted an unknown flag";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("--no-such-flag"), std::string::npos) << e.what();
    }
    EXPECT_THROW(Settings::parse({"--group"}, settings), ConfigError);
    auto parsed = Settings::parse({"--http-port", "eighty"}, settings);
    try {
        (void)parsed.get_int("http-port");
        FAIL() << "accepted a non-number";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("COURIER_HTTP_PORT"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("eighty"), std::string::npos) << e.what();
    }
}

TEST(ServiceSettings, DurationsAcceptMillisecondsSecondsAndMinutes) {
    std::vector<Setting> settings{{"timeout", "", "10s", "a timeout"}};
    EXPECT_EQ(Settings::parse({}, settings).get_millis("timeout"), std::chrono::seconds(10));
    EXPECT_EQ(Settings::parse({"--timeout", "250ms"}, settings).get_millis("timeout"), std::chrono::milliseconds(250));
    EXPECT_EQ(Settings::parse({"--timeout", "2m"}, settings).get_millis("timeout"), std::chrono::minutes(2));
    EXPECT_THROW(Settings::parse({"--timeout", "2h"}, settings).get_millis("timeout"), ConfigError);
}

TEST(ServiceSettings, UsageListsEveryFlagWithItsEnvironmentVariable) {
    const auto settings = common_settings("product", 8081);
    const auto text = Settings::usage("courier-product", "the product service", settings);
    for (const auto& s : settings) {
        EXPECT_NE(text.find("--" + s.flag), std::string::npos) << s.flag;
        EXPECT_NE(text.find(s.env), std::string::npos) << s.env;
    }
}
