#include <gtest/gtest.h>

#include "courier/cli/record_json.hpp"
#include "courier/core/errors.hpp"

using namespace courier;
using namespace courier::cli;

TEST(RecordJson, ARecordRoundTripsThroughOneJsonLine) {
    Message m;
    m.topic = "t";
    m.key = "order-1";
    m.payload = R"({"quantity":2})";
    m.headers.add("ce_id", "abc");
    m.headers.add("ce_id", "again");
    m.metadata = MessageMetadata{3, 42, 1700000000000, "g"};
    auto line = to_json_line(m);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    auto back = from_json_line(line, "test:1", "");
    EXPECT_EQ(back.topic, "t");
    EXPECT_EQ(back.partition, 3) << "the partition is kept so a copy can go back where it came from";
    EXPECT_EQ(back.key, m.key);
    EXPECT_EQ(back.payload, m.payload);
    EXPECT_EQ(back.headers, m.headers);
}

TEST(RecordJson, BytesThatAreNotUtf8TravelAsBase64) {
    Message m;
    m.topic = "t";
    m.key = std::string("\xff\x00k", 3);
    m.payload = std::string("\x80\x81", 2);
    m.headers.add("bin", std::string("\xc0\xaf", 2));
    auto line = to_json_line(m);
    EXPECT_NE(line.find("\"key_base64\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"value_base64\""), std::string::npos) << line;
    auto back = from_json_line(line, "test:1", "t");
    EXPECT_EQ(back.key, m.key);
    EXPECT_EQ(back.payload, m.payload);
    EXPECT_EQ(back.headers, m.headers);
}

TEST(RecordJson, ANullKeyStaysNull) {
    Message m;
    m.topic = "t";
    auto line = to_json_line(m);
    EXPECT_NE(line.find("\"key\":null"), std::string::npos) << line;
    EXPECT_FALSE(from_json_line(line, "x", "t").key.has_value());
}

TEST(RecordJson, MalformedJsonIsReportedWithWhereAndWhat) {
    try {
        (void)from_json_line(R"({"value": "x",})", "stdin:7", "t");
        FAIL();
    } catch (const ConfigError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("stdin:7"), std::string::npos) << what;
        EXPECT_NE(what.find("invalid JSON at character"), std::string::npos) << what;
    }
}

TEST(RecordJson, FieldsOfTheWrongTypeAreRejected) {
    EXPECT_THROW((void)from_json_line(R"({"value": 5})", "x", "t"), ConfigError);
    EXPECT_THROW((void)from_json_line(R"({"headers": {"a": "b"}})", "x", "t"), ConfigError);
    EXPECT_THROW((void)from_json_line(R"([1,2])", "x", "t"), ConfigError);
    EXPECT_THROW((void)from_json_line(R"({"value_base64": "@@@"})", "x", "t"), ConfigError);
}

TEST(Utf8, AcceptsWellFormedAndRejectsOverlongsSurrogatesAndTruncation) {
    EXPECT_TRUE(is_valid_utf8("plain ascii"));
    EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    EXPECT_TRUE(is_valid_utf8(std::string("nul\0inside", 10)));
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
    EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\xff"));
}
