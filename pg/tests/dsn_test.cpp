#include "courier/pg/dsn.hpp"

#include <gtest/gtest.h>

#include "courier/core/errors.hpp"

using courier::pg::dsn_with_database;
using courier::pg::redact_dsn;

TEST(RedactDsn, RemovesThePasswordFromAUri) {
    EXPECT_EQ(redact_dsn("postgresql://alice:s3cr3t@db.example:5432/orders"),
              "postgresql://alice@db.example:5432/orders");
    EXPECT_EQ(redact_dsn("postgres://alice:s3cr3t@db.example/orders?sslmode=require"),
              "postgres://alice@db.example/orders?sslmode=require");
    EXPECT_EQ(redact_dsn("postgresql://alice:p%40ss%3Aw0rd@h1,h2:5433/db"),
              "postgresql://alice@h1,h2:5433/db");
    EXPECT_EQ(redact_dsn("postgresql://:onlypw@host/db"), "postgresql://@host/db");
}

TEST(RedactDsn, RemovesAPasswordQueryParameterFromAUri) {
    EXPECT_EQ(redact_dsn("postgresql://host/db?user=alice&password=s3cr3t&sslmode=disable"),
              "postgresql://host/db?user=alice&sslmode=disable");
    EXPECT_EQ(redact_dsn("postgresql://host/db?password=s3cr3t"), "postgresql://host/db");
    EXPECT_EQ(redact_dsn("postgresql://host/db?pass%77ord=s3cr3t&application_name=x"),
              "postgresql://host/db?application_name=x");
}

TEST(RedactDsn, KeepsAUriWithoutPasswordAsItIs) {
    EXPECT_EQ(redact_dsn("postgresql://postgres@127.0.0.1:46543/courier"),
              "postgresql://postgres@127.0.0.1:46543/courier");
    EXPECT_EQ(redact_dsn("postgresql:///courier?host=/tmp"), "postgresql:///courier?host=/tmp");
}

TEST(RedactDsn, RemovesThePasswordFromKeyValueForm) {
    EXPECT_EQ(redact_dsn("host=localhost port=5432 dbname=orders user=alice password=s3cr3t"),
              "host=localhost port=5432 dbname=orders user=alice");
    EXPECT_EQ(redact_dsn("password = s3cr3t host=localhost"), "host=localhost");
    EXPECT_EQ(redact_dsn("host=localhost password='it\\'s a secret' user=bob"), "host=localhost user=bob");
    EXPECT_EQ(redact_dsn("  host=h   password=a\\ b  "), "host=h");
    EXPECT_EQ(redact_dsn("application_name='my app' password='x y'"), "application_name='my app'");
}

TEST(RedactDsn, HidesADsnItCannotParseEntirely) {
    EXPECT_EQ(redact_dsn("host=localhost password='unterminated s3cr3t"), "<unparsable DSN>");
    EXPECT_EQ(redact_dsn("s3cr3t"), "<unparsable DSN>");
}

TEST(DsnWithDatabase, PointsBothFormsAtAnotherDatabaseKeepingTheRest) {
    const std::string from_uri =
        dsn_with_database("postgresql://alice:pw@127.0.0.1:5433/orders?sslmode=disable", "t1");
    EXPECT_NE(from_uri.find("dbname='t1'"), std::string::npos) << from_uri;
    EXPECT_NE(from_uri.find("host='127.0.0.1'"), std::string::npos) << from_uri;
    EXPECT_NE(from_uri.find("port='5433'"), std::string::npos) << from_uri;
    EXPECT_NE(from_uri.find("user='alice'"), std::string::npos) << from_uri;
    EXPECT_NE(from_uri.find("password='pw'"), std::string::npos) << from_uri;
    EXPECT_NE(from_uri.find("sslmode='disable'"), std::string::npos) << from_uri;
    EXPECT_EQ(from_uri.find("orders"), std::string::npos) << from_uri;

    const std::string from_keys = dsn_with_database("host=/tmp dbname=orders", "it's");
    EXPECT_NE(from_keys.find("dbname='it\\'s'"), std::string::npos) << from_keys;
    EXPECT_EQ(from_keys.find("orders"), std::string::npos) << from_keys;
}

TEST(DsnWithDatabase, RejectsAMalformedDsnWithoutEchoingIt) {
    try {
        dsn_with_database("host=localhost password s3cr3t", "x");
        FAIL() << "expected ConfigError";
    } catch (const courier::ConfigError& e) {
        EXPECT_EQ(std::string(e.what()).find("s3cr3t"), std::string::npos) << e.what();
    }
}
