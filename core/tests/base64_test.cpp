#include <gtest/gtest.h>

#include "courier/core/base64.hpp"

TEST(Base64, RoundTripsEveryLengthRemainderAndBinary) {
    for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
        EXPECT_EQ(courier::base64_decode(courier::base64_encode(s)), s);
    }
    EXPECT_EQ(courier::base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(courier::base64_encode("fo"), "Zm8=");
}

TEST(Base64, RejectsWhatIsNotPaddedStandardBase64) {
    EXPECT_FALSE(courier::base64_decode("Zm8"));       // unpadded
    EXPECT_FALSE(courier::base64_decode("Zm9v@mFy"));  // outside the alphabet
    EXPECT_FALSE(courier::base64_decode("Zg==Zm8="));  // padding in the middle
    EXPECT_FALSE(courier::base64_decode("Z==="));
}
