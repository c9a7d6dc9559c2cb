#include <gtest/gtest.h>

#include <string>

#include "courier/pg/errors.hpp"

using courier::ErrorKind;
using courier::pg::classify_failure;
using courier::pg::classify_sqlstate;

namespace {
struct Case {
    const char* sqlstate;
    ErrorKind kind;
    const char* meaning;
};

const Case kCases[] = {
    {"08000", ErrorKind::transient, "connection_exception"},
    {"08003", ErrorKind::transient, "connection_does_not_exist"},
    {"08006", ErrorKind::transient, "connection_failure"},
    {"08001", ErrorKind::transient, "sqlclient_unable_to_establish_sqlconnection"},
    {"08P01", ErrorKind::transient, "protocol_violation (class 08)"},
    {"40001", ErrorKind::transient, "serialization_failure"},
    {"40P01", ErrorKind::transient, "deadlock_detected"},
    {"57P01", ErrorKind::transient, "admin_shutdown"},
    {"57P02", ErrorKind::transient, "crash_shutdown"},
    {"57P03", ErrorKind::transient, "cannot_connect_now"},
    {"53000", ErrorKind::transient, "insufficient_resources"},
    {"53100", ErrorKind::transient, "disk_full"},
    {"53200", ErrorKind::transient, "out_of_memory"},
    {"53300", ErrorKind::transient, "too_many_connections"},
    {"55P03", ErrorKind::transient, "lock_not_available"},
    {"23505", ErrorKind::permanent, "unique_violation"},
    {"23503", ErrorKind::permanent, "foreign_key_violation"},
    {"42601", ErrorKind::permanent, "syntax_error"},
    {"42P01", ErrorKind::permanent, "undefined_table"},
    {"22P02", ErrorKind::permanent, "invalid_text_representation"},
    {"40002", ErrorKind::permanent, "transaction_integrity_constraint_violation"},
    {"57014", ErrorKind::permanent, "query_canceled"},
    {"57P04", ErrorKind::permanent, "database_dropped"},
    {"55000", ErrorKind::permanent, "object_not_in_prerequisite_state"},
    {"25P02", ErrorKind::permanent, "in_failed_sql_transaction"},
    {"P0001", ErrorKind::permanent, "raise_exception"},
    {"XX000", ErrorKind::permanent, "internal_error"},
    {"", ErrorKind::permanent, "no SQLSTATE"},
    {"0800", ErrorKind::permanent, "too short"},
    {"400010", ErrorKind::permanent, "too long"},
};
}  // namespace

TEST(ClassifySqlstate, MapsEachSqlstateToItsErrorKind) {
    for (const Case& c : kCases) {
        EXPECT_EQ(classify_sqlstate(c.sqlstate), c.kind)
            << c.sqlstate << " (" << c.meaning << ") should be " << courier::to_string(c.kind);
    }
}

TEST(ClassifyFailure, TreatsALostConnectionAsTransientEvenWithoutASqlstate) {
    EXPECT_EQ(classify_failure("", true), ErrorKind::transient);
    EXPECT_EQ(classify_failure("42601", true), ErrorKind::transient);
    EXPECT_EQ(classify_failure("", false), ErrorKind::permanent);
    EXPECT_EQ(classify_failure("40P01", false), ErrorKind::transient);
}

TEST(DatabaseError, CarriesItsSqlstateCodeAndKindBothWays) {
    const courier::Error error = courier::Error::transient("pg.40001", "could not serialize access");
    const courier::pg::DatabaseError thrown(error, "retry the transaction");
    EXPECT_EQ(thrown.sqlstate(), "40001");
    EXPECT_EQ(thrown.kind(), ErrorKind::transient);
    EXPECT_STREQ(thrown.what(), "could not serialize access (hint: retry the transaction)");
    const courier::Error back = thrown.to_error();
    EXPECT_EQ(back.code, "pg.40001");
    EXPECT_EQ(back.message, "could not serialize access");

    const courier::pg::DatabaseError lost(ErrorKind::transient, "", "server closed the connection");
    EXPECT_EQ(lost.sqlstate(), "");
    EXPECT_EQ(lost.code(), "pg.connection");
}
