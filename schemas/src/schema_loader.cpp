#include "schema_loader.hpp"

#include <rapidjson/internal/regex.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <vector>

#include "arena_validator.hpp"
#include "bounded_json.hpp"
#include "courier/schemas/schema_load_error.hpp"
#include "meta_schema.hpp"
#include "violation.hpp"

namespace courier::schemas::detail {

namespace {

constexpr std::string_view kDraft04 = "http://json-schema.org/draft-04/schema#";

// Draft-04's keywords, plus "examples" (draft-06, harmless: the catalog's files carry their examples).
constexpr std::string_view kKeywords[] = {"$ref",
                                          "$schema",
                                          "id",
                                          "title",
                                          "description",
                                          "default",
                                          "examples",
                                          "format",
                                          "multipleOf",
                                          "maximum",
                                          "exclusiveMaximum",
                                          "minimum",
                                          "exclusiveMinimum",
                                          "maxLength",
                                          "minLength",
                                          "pattern",
                                          "additionalItems",
                                          "items",
                                          "maxItems",
                                          "minItems",
                                          "uniqueItems",
                                          "maxProperties",
                                          "minProperties",
                                          "required",
                                          "additionalProperties",
                                          "definitions",
                                          "properties",
                                          "patternProperties",
                                          "dependencies",
                                          "enum",
                                          "type",
                                          "allOf",
                                          "anyOf",
                                          "oneOf",
                                          "not",
                                          "$comment"};

bool is_known_keyword(std::string_view key) {
    return key.starts_with("x-") ||
           std::find(std::begin(kKeywords), std::end(kKeywords), key) != std::end(kKeywords);
}

std::string pointer_token(std::string_view token) {
    std::string out;
    for (char c : token) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

std::string_view text_of(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

// RapidJSON 1.1.0's regex compiler asserts (or, with NDEBUG, reads past its operand stack) on an
// unclosed '(' or a quantifier with nothing to repeat, and expands x{m,n} into n copies of x, so nested
// repeats such as ((a{1000}){1000}){1000} build billions of states. Those shapes are refused here before
// the pattern reaches it; RapidJSON rejects the rest (unsupported escapes, empty classes) cleanly.
std::optional<std::string> regex_syntax_problem(std::string_view pattern) {
    constexpr std::size_t kMaxPattern = 1024;
    constexpr unsigned long kMaxRepeat = 1000;
    constexpr unsigned long long kMaxStates = 20000;
    if (pattern.size() > kMaxPattern) return "is longer than " + std::to_string(kMaxPattern) + " characters";
    if (pattern.find('\0') != std::string_view::npos) return std::string("holds U+0000");
    // Per open group: NFA states so far, and the size of the last atom (0: nothing to repeat).
    struct Group {
        unsigned long long states = 0;
        unsigned long long last = 0;
    };
    std::vector<Group> groups(1);
    auto atom = [&groups](unsigned long long size) {
        groups.back().states += size;
        groups.back().last = size;
    };
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        char c = pattern[i];
        auto& group = groups.back();
        if (c == '\\') {
            ++i;
            atom(1);
        } else if (c == '[') {
            std::size_t j = i + 1;
            if (j < pattern.size() && pattern[j] == '^') ++j;
            for (; j < pattern.size() && pattern[j] != ']'; ++j) {
                if (pattern[j] == '\\') ++j;
            }
            if (j >= pattern.size()) return std::string("has an unclosed [");
            i = j;
            atom(1);
        } else if (c == '(') {
            groups.emplace_back();
        } else if (c == ')') {
            if (groups.size() == 1) return std::string("has a ) without its (");
            auto closed = groups.back();
            groups.pop_back();
            atom(closed.states + 1);
        } else if (c == '|') {
            group.states += 1;
            group.last = 0;
        } else if (c == '?' || c == '*' || c == '+') {
            if (group.last == 0) return "has '" + std::string(1, c) + "' with nothing before it to repeat";
            group.states += 1;
            group.last += 1;
        } else if (c == '{') {
            if (group.last == 0) return std::string("has '{' with nothing before it to repeat");
            auto close = pattern.find('}', i);
            if (close == std::string_view::npos) return std::string("has an unclosed {");
            auto counts = pattern.substr(i + 1, close - i - 1);
            if (counts.empty() || counts.find_first_not_of("0123456789,") != std::string_view::npos) {
                return "has a malformed {" + std::string(counts) + "}";
            }
            unsigned long copies = 1;
            for (std::size_t start = 0; start < counts.size();) {
                auto end = std::min(counts.find(',', start), counts.size());
                if (end - start > 4) return "repeats more than " + std::to_string(kMaxRepeat) + " times";
                if (end > start)
                    copies = std::max(copies, std::stoul(std::string(counts.substr(start, end - start))));
                start = end + 1;
            }
            if (copies > kMaxRepeat) return "repeats more than " + std::to_string(kMaxRepeat) + " times";
            group.states += group.last * copies;
            group.last *= copies + 1;
            i = close;
        } else if (c != '^' && c != '$') {
            atom(1);
        }
        if (groups.back().states > kMaxStates) {
            return "expands to more than " + std::to_string(kMaxStates) +
                   " regex states; simplify its repeats";
        }
    }
    if (groups.size() != 1) return std::string("has a ( without its )");
    return std::nullopt;
}

// Walks every place a schema can appear and checks what RapidJSON would silently accept.
class SchemaLint {
public:
    SchemaLint(const rapidjson::Value& root, const std::string& file) : root_(root), file_(file) {}

    void check(const rapidjson::Value& schema, const std::string& at) {
        if (!schema.IsObject()) fail(at, "a schema must be a JSON object");
        for (const auto& member : schema.GetObject()) {
            auto key = text_of(member.name);
            if (!is_known_keyword(key)) {
                fail(at, "unknown keyword \"" + std::string(key) + "\"",
                     "draft-04 keywords are case-sensitive; name extensions x-...");
            }
        }
        if (schema.HasMember("$ref")) {
            check_ref(schema, at);
            return;  // draft-04 ignores everything else beside $ref
        }
        if (schema.HasMember("pattern")) check_pattern(schema["pattern"], at + "/pattern");
        check_bounds(schema, at);
        for_each_member(schema, "properties", at,
                        [&](const rapidjson::Value& s, const std::string& a) { check(s, a); });
        for_each_member(schema, "definitions", at,
                        [&](const rapidjson::Value& s, const std::string& a) { check(s, a); });
        if (schema.HasMember("patternProperties")) {
            for (const auto& member : schema["patternProperties"].GetObject()) {
                auto a = at + "/patternProperties/" + pointer_token(text_of(member.name));
                check_pattern(member.name, a);
                check(member.value, a);
            }
        }
        for_each_member(schema, "dependencies", at, [&](const rapidjson::Value& s, const std::string& a) {
            if (s.IsObject()) check(s, a);
        });
        for (const char* keyword : {"additionalProperties", "additionalItems", "not"}) {
            if (schema.HasMember(keyword) && schema[keyword].IsObject())
                check(schema[keyword], at + "/" + keyword);
        }
        if (schema.HasMember("items")) {
            const auto& items = schema["items"];
            if (items.IsObject()) {
                check(items, at + "/items");
            } else {
                for (rapidjson::SizeType i = 0; i < items.Size(); ++i)
                    check(items[i], at + "/items/" + std::to_string(i));
            }
        }
        for (const char* keyword : {"allOf", "anyOf", "oneOf"}) {
            if (!schema.HasMember(keyword)) continue;
            const auto& list = schema[keyword];
            for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
                check(list[i], at + "/" + keyword + "/" + std::to_string(i));
            }
        }
        check_required(schema, at);
    }

    /// RapidJSON compiles every object of the document as a schema, wherever it sits (under
    /// "examples", an x- extension, an enum value...), so every "pattern" string and patternProperties
    /// key anywhere must pass the regex checks, not only those at schema positions.
    void check_every_pattern(const rapidjson::Value& value, const std::string& at) {
        if (value.IsArray()) {
            for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
                check_every_pattern(value[i], at + "/" + std::to_string(i));
            }
            return;
        }
        if (!value.IsObject()) return;
        if (value.HasMember("pattern") && value["pattern"].IsString()) {
            check_pattern(value["pattern"], at + "/pattern");
        }
        if (value.HasMember("patternProperties") && value["patternProperties"].IsObject()) {
            for (const auto& member : value["patternProperties"].GetObject()) {
                check_pattern(member.name, at + "/patternProperties/" + pointer_token(text_of(member.name)));
            }
        }
        for (const auto& member : value.GetObject()) {
            check_every_pattern(member.value, at + "/" + pointer_token(text_of(member.name)));
        }
    }

private:
    template <typename Visit>
    void for_each_member(const rapidjson::Value& schema, const char* keyword, const std::string& at,
                         Visit visit) {
        if (!schema.HasMember(keyword)) return;
        for (const auto& member : schema[keyword].GetObject()) {
            visit(member.value, at + "/" + keyword + "/" + pointer_token(text_of(member.name)));
        }
    }

    void check_ref(const rapidjson::Value& schema, const std::string& at) {
        for (const auto& member : schema.GetObject()) {
            auto key = text_of(member.name);
            if (key != "$ref" && key != "title" && key != "description" && key != "$comment") {
                fail(at, "\"" + std::string(key) + "\" beside $ref is ignored by draft-04",
                     "move it into the referenced schema, or combine with allOf");
            }
        }
        std::set<const rapidjson::Value*> seen{&schema};
        const rapidjson::Value* current = &schema;
        while (current->IsObject() && current->HasMember("$ref")) {
            const auto& ref = (*current)["$ref"];
            if (!ref.IsString()) fail(at, "$ref must be a string");
            auto text = text_of(ref);
            if (!text.starts_with("#")) {
                fail(at, "$ref \"" + std::string(text) + "\" is not local",
                     "only references into the same file (#/definitions/...) are supported");
            }
            rapidjson::Pointer pointer(ref.GetString(), ref.GetStringLength());
            const rapidjson::Value* target = pointer.IsValid() ? pointer.Get(root_) : nullptr;
            if (!target) fail(at, "$ref \"" + std::string(text) + "\" does not resolve");
            if (!seen.insert(target).second)
                fail(at, "$ref \"" + std::string(text) + "\" loops back to itself");
            current = target;
        }
    }

    void check_pattern(const rapidjson::Value& pattern, const std::string& at) {
        const std::string hint =
            "RapidJSON's regex supports literals, ., [a-z] classes, (|), ?, *, +, {m,n}, ^ and $; not \\d, "
            "\\w, "
            "\\s or lookarounds";
        auto text = text_of(pattern);
        if (auto problem = regex_syntax_problem(text)) {
            fail(at, "pattern \"" + std::string(text) + "\" " + *problem, hint);
        }
        rapidjson::internal::Regex regex(pattern.GetString());
        if (!regex.IsValid()) {
            fail(at, "pattern \"" + std::string(text) + "\" does not compile with RapidJSON's regex engine",
                 hint);
        }
    }

    static bool bigger(const rapidjson::Value& a, const rapidjson::Value& b) {
        return a.IsNumber() && b.IsNumber() && a.GetDouble() > b.GetDouble();
    }

    void check_bounds(const rapidjson::Value& schema, const std::string& at) {
        static constexpr std::array<std::array<const char*, 2>, 4> kPairs = {
            {{"minimum", "maximum"},
             {"minLength", "maxLength"},
             {"minItems", "maxItems"},
             {"minProperties", "maxProperties"}}};
        for (const auto& [low, high] : kPairs) {
            if (schema.HasMember(low) && schema.HasMember(high) && bigger(schema[low], schema[high])) {
                fail(at, std::string(low) + " is above " + high + ": no value can satisfy the schema");
            }
        }
    }

    void check_required(const rapidjson::Value& schema, const std::string& at) {
        if (!schema.HasMember("required") || !schema.HasMember("additionalProperties")) return;
        const auto& additional = schema["additionalProperties"];
        if (!additional.IsBool() || additional.GetBool() || schema.HasMember("patternProperties")) return;
        for (const auto& name : schema["required"].GetArray()) {
            if (!schema.HasMember("properties") || !schema["properties"].HasMember(name)) {
                fail(at + "/required", "required property \"" + std::string(text_of(name)) +
                                           "\" is not in properties and additionalProperties is false, so no "
                                           "payload can be valid");
            }
        }
    }

    [[noreturn]] void fail(const std::string& at, const std::string& reason,
                           std::string hint = "fix the schema; courier validates with JSON Schema draft-04") {
        throw SchemaLoadError(file_, "at " + at + ": " + reason, std::move(hint));
    }

    const rapidjson::Value& root_;
    const std::string& file_;
};

bool is_word_list(std::string_view text) {
    if (text.empty() || text.front() == '-' || text.back() == '-') return false;
    char previous = 0;
    for (char c : text) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && previous != '-');
        if (!ok) return false;
        previous = c;
    }
    return true;
}

}  // namespace

std::unique_ptr<rapidjson::Document> load_schema_document(const std::string& file, std::string_view text) {
    if (text.size() > kMaxSchemaBytes) {
        throw SchemaLoadError(file, "is " + std::to_string(text.size()) + " bytes; schemas are limited to " +
                                        std::to_string(kMaxSchemaBytes));
    }
    auto document = std::make_unique<rapidjson::Document>();
    auto parse = parse_document(text, *document, kMaxSchemaDepth);
    if (!parse.ok()) throw SchemaLoadError(file, parse.describe(kMaxSchemaDepth), "fix the JSON syntax");
    if (!document->IsObject())
        throw SchemaLoadError(file, "is not a JSON object", "a schema is a JSON object");

    ArenaValidator meta(draft04_meta_schema());
    if (!document->Accept(*meta)) {
        throw SchemaLoadError(
            file,
            "is not a JSON Schema draft-04 document: " +
                describe_violation(*meta, draft04_meta_schema_document(), document.get(), "meta-schema"),
            "see http://json-schema.org/draft-04/schema");
    }
    if (document->HasMember("$schema")) {
        auto declared = text_of((*document)["$schema"]);
        if (declared != kDraft04 && declared != kDraft04.substr(0, kDraft04.size() - 1)) {
            throw SchemaLoadError(file, "$schema is \"" + std::string(declared) + "\"",
                                  "courier validates draft-04 only: use \"" + std::string(kDraft04) + "\"");
        }
    }
    SchemaLint lint(*document, file);
    lint.check(*document, "#");
    lint.check_every_pattern(*document, "#");
    return document;
}

std::string type_for_schema_file(std::string_view domain, std::string_view file_name, std::string_view prefix,
                                 const std::string& where) {
    const std::string hint =
        "name schema files <domain>/<name>.v<N>.schema.json, e.g. order/placed.v1.schema.json";
    constexpr std::string_view kSuffix = ".schema.json";
    if (!file_name.ends_with(kSuffix)) throw SchemaLoadError(where, "does not end in .schema.json", hint);
    auto stem = file_name.substr(0, file_name.size() - kSuffix.size());
    auto dot = stem.rfind(".v");
    if (dot == std::string_view::npos) throw SchemaLoadError(where, "has no .v<N> version in its name", hint);
    auto name = stem.substr(0, dot);
    auto version = stem.substr(dot + 2);
    bool digits = !version.empty() && version.size() <= 6 && version.front() != '0' &&
                  std::all_of(version.begin(), version.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits)
        throw SchemaLoadError(where, "version \"" + std::string(version) + "\" is not a positive integer",
                              hint);
    if (!is_word_list(name)) {
        throw SchemaLoadError(
            where, "name \"" + std::string(name) + "\" is not lowercase words joined by '-'", hint);
    }
    if (!is_word_list(domain)) {
        throw SchemaLoadError(
            where, "domain folder \"" + std::string(domain) + "\" is not lowercase words joined by '-'",
            hint);
    }
    std::string type = prefix.empty() ? std::string() : std::string(prefix) + ".";
    return type + std::string(domain) + "." + std::string(name) + ".v" + std::string(version);
}

}  // namespace courier::schemas::detail
