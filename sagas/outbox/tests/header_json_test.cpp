// The outbox's header encoding: order, repeats and arbitrary bytes survive a round trip.

#include "courier/outbox/header_json.hpp"

#include <gtest/gtest.h>

using namespace courier;
using namespace courier::outbox;

TEST(HeaderJson, KeepsOrderRepeatsAndBinaryValuesThroughARoundTrip) {
    Headers headers;
    headers.add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    headers.add("x-tag", "first");
    headers.add("bin", std::string("\x00\x01\xff\xfe", 4));
    headers.add("x-tag", "second");
    headers.add("quote\"back\\slash", "line\nbreak\ttab\x01");
    headers.add("utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6");
    headers.add("empty", "");
    auto decoded = decode_headers(encode_headers(headers));
    ASSERT_TRUE(decoded) << decoded.error().describe();
    EXPECT_EQ(*decoded, headers);
}

TEST(HeaderJson, StoresReadableTextAsValueAndOtherBytesAsBase64) {
    Headers headers;
    headers.add("ce_type", "store.order.placed.v1");
    headers.add("blob", std::string("\x00\xff", 2));
    EXPECT_EQ(encode_headers(headers),
              R"([{"name":"ce_type","value":"store.order.placed.v1"},{"name":"blob","base64":"AP8="}])");
}

TEST(HeaderJson, EncodesANameThatIsNotTextAsBase64Too) {
    Headers headers;
    headers.add(std::string("n\x00me", 4), "v");
    const auto json = encode_headers(headers);
    EXPECT_NE(json.find("name_base64"), std::string::npos) << json;
    auto decoded = decode_headers(json);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, headers);
}

TEST(HeaderJson, ReadsTheFormJsonbPrintsWithSpacesAndSortedKeys) {
    auto decoded = decode_headers(R"([{"name": "a", "value": "1"}, {"base64": "AAE=", "name": "b"}])");
    ASSERT_TRUE(decoded) << decoded.error().describe();
    EXPECT_EQ(*decoded, (Headers{{"a", "1"}, {"b", std::string("\x00\x01", 2)}}));
}

TEST(HeaderJson, AppendsAHeaderToEncodedJson) {
    std::string json = encode_headers({});
    EXPECT_EQ(json, "[]");
    append_header(json, "ce_id", "abc");
    append_header(json, "x", std::string("\xff", 1));
    auto decoded = decode_headers(json);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, (Headers{{"ce_id", "abc"}, {"x", std::string("\xff", 1)}}));
}

TEST(HeaderJson, RejectsStoredHeadersThatAreNotTheOutboxForm) {
    for (const char* bad :
         {"not json", "{}", "[1]", R"([{"name":"a"}])", R"([{"name":"a","value":"1","base64":"AA=="}])",
          R"([{"name":"a","base64":"***"}])", R"([{"name":1,"value":"1"}])"}) {
        auto decoded = decode_headers(bad);
        ASSERT_FALSE(decoded) << bad;
        EXPECT_EQ(decoded.error().code, "outbox.headers");
        EXPECT_EQ(decoded.error().kind, ErrorKind::poison);
    }
}

TEST(HeaderJson, CallsOnlyStrictUtf8WithoutNulJsonSafe) {
    EXPECT_TRUE(is_json_safe_text("plain ascii"));
    EXPECT_TRUE(is_json_safe_text("\xc3\xa9\xe2\x82\xac\xf0\x9f\x93\xa6"));
    EXPECT_FALSE(is_json_safe_text(std::string("a\0b", 3)));
    EXPECT_FALSE(is_json_safe_text("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(is_json_safe_text("\xed\xa0\x80"));      // a UTF-16 surrogate
    EXPECT_FALSE(is_json_safe_text("\xf4\x90\x80\x80"));  // above U+10FFFF
    EXPECT_FALSE(is_json_safe_text("\xe2\x82"));          // truncated
    EXPECT_FALSE(is_json_safe_text("\xff"));
}
