// `courier schema list|validate|check`, run in-process against the built-in catalog and temp files.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "courier/cli/commands.hpp"
#include "courier/core/ids.hpp"

using courier::cli::CommandIo;

namespace {

struct Run {
    int code;
    std::string out;
    std::string err;
};

Run schema(std::vector<std::string> args, std::string input = "") {
    std::istringstream in(input);
    std::ostringstream out, err;
    int code = courier::cli::run_schema(args, CommandIo{in, out, err, nullptr});
    return {code, out.str(), err.str()};
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A folder of files for one test, removed afterwards.
class Files {
public:
    Files() : root_(std::filesystem::temp_directory_path() / ("courier-schema-cli-" + courier::new_uuid())) {
        std::filesystem::create_directories(root_);
    }
    ~Files() {
        std::error_code ignored;
        std::filesystem::remove_all(root_, ignored);
    }
    std::string write(const std::string& name, const std::string& text) const {
        auto path = root_ / name;
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << text;
        return path.string();
    }
    std::string root() const { return root_.string(); }

private:
    std::filesystem::path root_;
};

const std::string kReserve =
    R"({"order_id": "2b9a3c1e-5d47-4f0a-9c61-7e8d2f4a6b10", "items": [
        {"listing_id": "7f3e9a2b-1c4d-4e5f-8a6b-9c0d1e2f3a4b",
         "product_id": "c5d6e7f8-a9b0-4c1d-9e2f-3a4b5c6d7e8f", "quantity": 2, "unit_price_cents": 1999}]})";

const std::string kCount =
    R"({"type": "object", "properties": {"n": {"type": "integer", "minimum": 0, "maximum": 10},
                                "s": {"type": "string", "maxLength": 5}}})";

}  // namespace

TEST(SchemaCommand, ListPrintsEveryTypeWithItsFileAndDescription) {
    auto r = schema({"list"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "TYPE")) << r.out;
    EXPECT_TRUE(contains(r.out, "store.product.reserve-stock.v1")) << r.out;
    EXPECT_TRUE(contains(r.out, "product/reserve-stock.v1.schema.json")) << r.out;
    EXPECT_TRUE(contains(r.out, "all or none")) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 21) << "a header and 20 types";
}

TEST(SchemaCommand, ValidateAcceptsAValidFileAndStdin) {
    Files files;
    auto file = files.write("reserve.json", kReserve);
    auto r = schema({"validate", "store.product.reserve-stock.v1", file});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "valid store.product.reserve-stock.v1"));
    auto piped = schema({"validate", "store.product.reserve-stock.v1", "-"}, kReserve);
    EXPECT_EQ(piped.code, 0) << piped.err;
}

TEST(SchemaCommand, ValidateExitsOneWithThePointerAndTheRuleWhenInvalid) {
    auto payload = kReserve;
    payload.replace(payload.find("\"quantity\": 2"), 13, "\"quantity\": 0");
    auto r = schema({"validate", "store.product.reserve-stock.v1", "-"}, payload);
    EXPECT_EQ(r.code, 1);
    EXPECT_TRUE(contains(
        r.err, "at #/items/0/quantity: \"minimum\" failed (schema #/definitions/quantity/minimum = 1)"))
        << r.err;
    auto malformed = schema({"validate", "store.product.reserve-stock.v1", "-"}, "{\"order_id\":");
    EXPECT_EQ(malformed.code, 1);
    EXPECT_TRUE(contains(malformed.err, "schema.unparsable")) << malformed.err;
}

TEST(SchemaCommand, ValidateFailsForAnUnknownTypeAMissingFileOrAnOversizedPayload) {
    auto unknown = schema({"validate", "store.order.placed.v7", "-"}, "{}");
    EXPECT_EQ(unknown.code, 1);
    EXPECT_TRUE(contains(unknown.err, "no schema for ce_type 'store.order.placed.v7'")) << unknown.err;
    auto missing = schema({"validate", "store.order.placed.v1", "/nonexistent/payload.json"});
    EXPECT_EQ(missing.code, 1);
    EXPECT_TRUE(contains(missing.err, "cannot open /nonexistent/payload.json")) << missing.err;
    auto big = schema({"validate", "store.product.reserve-stock.v1", "-", "--max-bytes", "20"}, kReserve);
    EXPECT_EQ(big.code, 1);
    EXPECT_TRUE(contains(big.err, "exceeds the limit of 20 bytes")) << big.err;
    auto deep = schema({"validate", "store.product.reserve-stock.v1", "-", "--max-depth", "2"}, kReserve);
    EXPECT_EQ(deep.code, 1);
    EXPECT_TRUE(contains(deep.err, "schema.too_deep")) << deep.err;
}

TEST(SchemaCommand, CheckOfCatalogTypesSaysCompatibleOrListsEachProblem) {
    auto forward = schema({"check", "store.order.placed.v1", "store.order.placed.v2"});
    EXPECT_EQ(forward.code, 0) << forward.out << forward.err;
    EXPECT_TRUE(contains(forward.out, "compatible: store.order.placed.v2")) << forward.out;
    auto backward = schema({"check", "store.order.placed.v2", "store.order.placed.v1"});
    EXPECT_EQ(backward.code, 1);
    EXPECT_TRUE(contains(backward.out, "#/properties/customer_note: property \"customer_note\" removed"))
        << backward.out;
    EXPECT_TRUE(contains(backward.out, "incompatible: 1 problem(s)")) << backward.out;
}

TEST(SchemaCommand, CheckOfFilesPrintsOneLinePerProblem) {
    Files files;
    auto old_file = files.write("old.json", kCount);
    auto tighter = kCount;
    tighter.replace(tighter.find("\"maximum\": 10"), 13, "\"maximum\": 9");
    tighter.replace(tighter.find("\"maxLength\": 5"), 14, "\"maxLength\": 4");
    auto new_file = files.write("new.json", tighter);
    auto r = schema({"check", old_file, new_file});
    EXPECT_EQ(r.code, 1);
    EXPECT_TRUE(contains(r.out, "#/properties/n/maximum: maximum lowered from 10 to 9\n")) << r.out;
    EXPECT_TRUE(contains(r.out, "#/properties/s/maxLength: maxLength lowered from 5 to 4\n")) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3) << "two problems and the verdict";
    auto same = schema({"check", old_file, old_file});
    EXPECT_EQ(same.code, 0);
}

TEST(SchemaCommand, CheckOfABrokenSchemaOrAnUnknownNameFails) {
    Files files;
    auto broken = files.write("broken.json", R"({"type": "obj"})");
    auto r = schema({"check", "store.order.placed.v1", broken});
    EXPECT_EQ(r.code, 1);
    EXPECT_TRUE(contains(r.err, broken)) << r.err;
    auto unknown = schema({"check", "store.order.placed.v1", "no-such-thing"});
    EXPECT_EQ(unknown.code, 1);
    EXPECT_TRUE(contains(unknown.err, "NEW 'no-such-thing' is neither a file nor a type")) << unknown.err;
}

TEST(SchemaCommand, SchemasFromAFolderReplaceTheBuiltInCatalog) {
    Files files;
    files.write("billing/invoice-sent.v1.schema.json", kCount);
    auto listed = schema({"list", "--schemas", files.root(), "--prefix", "shop"});
    EXPECT_EQ(listed.code, 0) << listed.err;
    EXPECT_TRUE(contains(listed.out, "shop.billing.invoice-sent.v1")) << listed.out;
    EXPECT_FALSE(contains(listed.out, "store.order.placed.v1"));
    auto valid =
        schema({"validate", "shop.billing.invoice-sent.v1", "-", "-s", files.root(), "--prefix", "shop"},
               R"({"n": 3})");
    EXPECT_EQ(valid.code, 0) << valid.err;
    auto broken_folder = schema({"list", "--schemas", files.root() + "/missing"});
    EXPECT_EQ(broken_folder.code, 1);
    EXPECT_TRUE(contains(broken_folder.err, "is not a folder")) << broken_folder.err;
}

TEST(SchemaCommand, WrongFlagsOrArgumentsPrintUsageAndExitTwo) {
    for (const auto& args :
         std::vector<std::vector<std::string>>{{},
                                               {"lint"},
                                               {"list", "extra"},
                                               {"validate", "store.order.placed.v1"},
                                               {"check", "a"},
                                               {"check", "a", "b", "c"},
                                               {"list", "--bogus"},
                                               {"validate", "t", "-", "--max-bytes", "lots"}}) {
        auto r = schema(args);
        EXPECT_EQ(r.code, 2) << "args: " << ::testing::PrintToString(args) << "\n" << r.err;
        EXPECT_TRUE(contains(r.err, "courier schema validate TYPE FILE|-")) << "usage follows the error";
    }
}

TEST(SchemaCommand, HelpDescribesTheSubcommands) {
    auto r = schema({"--help"});
    EXPECT_EQ(r.code, 0);
    EXPECT_TRUE(contains(r.out, "courier schema check OLD NEW"));
    EXPECT_TRUE(contains(r.out, "--schemas"));
}
