#include "violation.hpp"

#include <cstring>
#include <string_view>

#include "bounded_json.hpp"

namespace courier::schemas::detail {

namespace {

std::size_t code_points(const rapidjson::Value& s) {
    std::size_t n = 0;
    for (rapidjson::SizeType i = 0; i < s.GetStringLength(); ++i) {
        if ((static_cast<unsigned char>(s.GetString()[i]) & 0xC0) != 0x80) ++n;
    }
    return n;
}

std::string quoted(const char* name, rapidjson::SizeType length) {
    rapidjson::Value v(rapidjson::StringRef(name, length));
    return to_json_text(v, 80);
}

// What the payload held where the rule failed, in the words of the rule.
std::string found(std::string_view keyword, const rapidjson::Value& rule_schema,
                  const rapidjson::Value& value, const Validator::PointerType& instance_pointer) {
    if (keyword == "required" && value.IsObject() && rule_schema.HasMember("required") &&
        rule_schema["required"].IsArray()) {
        std::string missing;
        for (const auto& name : rule_schema["required"].GetArray()) {
            if (!name.IsString() || value.HasMember(name)) continue;
            missing += (missing.empty() ? "" : ", ") + quoted(name.GetString(), name.GetStringLength());
        }
        return "missing " + missing;
    }
    if (keyword == "additionalProperties" && instance_pointer.GetTokenCount() > 0) {
        const auto& token = instance_pointer.GetTokens()[instance_pointer.GetTokenCount() - 1];
        return "property " + quoted(token.name, token.length) + " is not allowed";
    }
    if ((keyword == "minItems" || keyword == "maxItems") && value.IsArray()) {
        return "got " + std::to_string(value.Size()) + " items";
    }
    if ((keyword == "minProperties" || keyword == "maxProperties") && value.IsObject()) {
        return "got " + std::to_string(value.MemberCount()) + " properties";
    }
    if ((keyword == "minLength" || keyword == "maxLength") && value.IsString()) {
        return "got " + std::to_string(code_points(value)) + " characters";
    }
    return "got " + to_json_text(value, 80);
}

}  // namespace

std::string describe_violation(const Validator& validator, const rapidjson::Value& schema_root,
                               const rapidjson::Value* instance, const char* schema_label) {
    const char* keyword_text = validator.GetInvalidSchemaKeyword();
    std::string_view keyword = keyword_text ? keyword_text : "";
    std::string instance_at = pointer_text(validator.GetInvalidDocumentPointer());
    std::string schema_at = pointer_text(validator.GetInvalidSchemaPointer());
    std::string rule_at = schema_at + "/" + std::string(keyword);

    std::string line =
        "at " + instance_at + ": \"" + std::string(keyword) + "\" failed (" + schema_label + " " + rule_at;
    const rapidjson::Value* rule_schema = validator.GetInvalidSchemaPointer().Get(schema_root);
    if (rule_schema && rule_schema->IsObject() && keyword_text) {
        auto rule = rule_schema->FindMember(keyword_text);
        if (rule != rule_schema->MemberEnd()) line += " = " + to_json_text(rule->value);
    }
    line += ")";
    if (instance && rule_schema) {
        if (const rapidjson::Value* value = validator.GetInvalidDocumentPointer().Get(*instance)) {
            line += "; " + found(keyword, *rule_schema, *value, validator.GetInvalidDocumentPointer());
        }
    }
    return line;
}

}  // namespace courier::schemas::detail
