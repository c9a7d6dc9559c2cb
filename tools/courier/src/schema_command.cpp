// courier schema: list the event catalog, validate a payload against a type's schema, and check whether
// a new schema version is backward compatible (DESIGN.md §8, §11).

#include <algorithm>
#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "courier/cli/commands.hpp"
#include "courier/schemas/compatibility.hpp"
#include "courier/schemas/schema_catalog.hpp"
#include "kafka_flags.hpp"

namespace po = boost::program_options;

namespace courier::cli {

namespace {

po::options_description schema_options() {
    po::options_description o(
        "courier schema list [options]\n"
        "courier schema validate TYPE FILE|- [options]\n"
        "courier schema check OLD NEW [options]\n\n"
        "  list      print every type in the catalog with its file and description\n"
        "  validate  check a JSON payload (a file, or - for stdin) against TYPE's schema;\n"
        "            exit 1 when invalid\n"
        "  check     is NEW backward compatible for readers of OLD? Each is a schema file or a\n"
        "            type in the catalog. One line per problem; exit 1 when incompatible\n\n"
        "The catalog is the one built into courier unless --schemas names a folder.\n\nOptions");
    // clang-format off
    o.add_options()
        ("help,h", "show this help")
        ("schemas,s", po::value<std::string>(), "load the catalog from this folder of <domain>/*.schema.json")
        ("prefix", po::value<std::string>()->default_value("store"), "ce_type prefix of --schemas files")
        ("max-bytes", po::value<std::size_t>(), "validate: payload size limit in bytes (default 1048576)")
        ("max-depth", po::value<std::size_t>(), "validate: nesting limit of arrays and objects (default 64)");
    // clang-format on
    return o;
}

schemas::SchemaCatalog load_catalog(const po::variables_map& vm) {
    schemas::Limits limits;
    if (vm.count("max-bytes")) limits.max_bytes = vm["max-bytes"].as<std::size_t>();
    if (vm.count("max-depth")) limits.max_depth = vm["max-depth"].as<std::size_t>();
    if (vm.count("schemas")) {
        return schemas::SchemaCatalog::load_directory(vm["schemas"].as<std::string>(),
                                                      vm["prefix"].as<std::string>(), limits);
    }
    return schemas::SchemaCatalog::load_embedded(limits);
}

// Reads at most `limit` + 1 bytes: enough to tell the validator the payload is too large without
// holding an arbitrarily large input in memory.
std::string read_payload(std::istream& in, std::size_t limit) {
    std::string text;
    char buffer[65536];
    while (text.size() <= limit && in.read(buffer, sizeof buffer).gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
    }
    if (text.size() > limit + 1) text.resize(limit + 1);
    return text;
}

int list(const schemas::SchemaCatalog& catalog, CommandIo io) {
    auto all = catalog.list();
    std::size_t type_width = 4, file_width = 4;
    for (const auto& s : all) {
        type_width = std::max(type_width, s.type.size());
        file_width = std::max(file_width, s.file.size());
    }
    auto pad = [](const std::string& text, std::size_t width) {
        return text + std::string(width - text.size() + 2, ' ');
    };
    io.out << pad("TYPE", type_width) << pad("FILE", file_width) << "DESCRIPTION\n";
    for (const auto& s : all)
        io.out << pad(s.type, type_width) << pad(s.file, file_width) << s.description << "\n";
    return 0;
}

int validate(const schemas::SchemaCatalog& catalog, const std::string& type, const std::string& source,
             CommandIo io) {
    std::string payload;
    if (source == "-") {
        payload = read_payload(io.in, catalog.limits().max_bytes);
    } else {
        std::ifstream file(source, std::ios::binary);
        if (!file) throw ConfigError("cannot open " + source, "check the path, or pass - to read stdin");
        payload = read_payload(file, catalog.limits().max_bytes);
    }
    if (payload.size() > catalog.limits().max_bytes) {
        io.err << "courier schema validate: " << source << ": payload exceeds the limit of "
               << catalog.limits().max_bytes << " bytes (hint: raise --max-bytes)\n";
        return 1;
    }
    auto result = catalog.validate(type, payload);
    if (!result) {
        io.err << "courier schema validate: " << source << ": " << result.error().describe() << "\n";
        return 1;
    }
    io.out << source << ": valid " << type << "\n";
    return 0;
}

// A schema named on the command line: a file if one exists at that path, else a catalog type.
std::pair<std::string, std::string> schema_text(const schemas::SchemaCatalog& catalog,
                                                const std::string& name, const char* role) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(name, ec)) {
        std::ifstream file(name, std::ios::binary);
        if (!file) throw ConfigError("cannot open " + name, "check the file's permissions");
        return {name, read_payload(file, 16 * 1024 * 1024)};
    }
    if (auto info = catalog.find(name)) return {name + " (" + info->file + ")", info->text};
    throw ConfigError(std::string(role) + " '" + name + "' is neither a file nor a type in the catalog",
                      "pass a .schema.json path or a type that `courier schema list` prints");
}

int check(const schemas::SchemaCatalog& catalog, const std::string& old_name, const std::string& new_name,
          CommandIo io) {
    auto [old_label, old_text] = schema_text(catalog, old_name, "OLD");
    auto [new_label, new_text] = schema_text(catalog, new_name, "NEW");
    auto report = schemas::check_compatibility(old_text, new_text, old_label, new_label);
    for (const auto& problem : report.problems) io.out << problem.pointer << ": " << problem.message << "\n";
    if (report.compatible()) {
        io.out << "compatible: " << new_label << " is backward compatible with " << old_label << "\n";
        return 0;
    }
    io.out << "incompatible: " << report.problems.size() << " problem(s); " << new_label
           << " is not backward compatible with " << old_label << "\n";
    return 1;
}

void expect_arguments(const std::vector<std::string>& words, std::size_t count, const char* usage) {
    if (words.size() != count) throw UsageError(std::string("expected: courier schema ") + usage);
}

}  // namespace

int run_schema(const std::vector<std::string>& args, CommandIo io) {
    auto options = schema_options();
    try {
        po::options_description all;
        all.add(options);
        all.add_options()("words", po::value<std::vector<std::string>>());
        po::positional_options_description positional;
        positional.add("words", -1);
        po::variables_map vm;
        try {
            po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
            po::notify(vm);
        } catch (const po::error& e) {
            throw UsageError(e.what());
        }
        if (vm.count("help")) {
            io.out << options << "\n";
            return 0;
        }
        auto words =
            vm.count("words") ? vm["words"].as<std::vector<std::string>>() : std::vector<std::string>{};
        if (words.empty()) throw UsageError("missing subcommand: list, validate or check");
        auto subcommand = words.front();
        words.erase(words.begin());
        if (subcommand == "list") {
            expect_arguments(words, 0, "list");
            return list(load_catalog(vm), io);
        }
        if (subcommand == "validate") {
            expect_arguments(words, 2, "validate TYPE FILE|-");
            return validate(load_catalog(vm), words[0], words[1], io);
        }
        if (subcommand == "check") {
            expect_arguments(words, 2, "check OLD NEW");
            return check(load_catalog(vm), words[0], words[1], io);
        }
        throw UsageError("unknown subcommand '" + subcommand + "' (expected list, validate or check)");
    } catch (...) {
        return report_failure("schema", options, io.err);
    }
}

}  // namespace courier::cli
