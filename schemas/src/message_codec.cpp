#include "message_codec.hpp"

#include "catalog_impl.hpp"

namespace courier::schemas::detail {

namespace {
const rapidjson::Value& empty_object() {
    // Read-only stand-in for a missing nested object; never written to.
    static const rapidjson::Value object(rapidjson::kObjectType);
    return object;
}
}  // namespace

const rapidjson::Value* FieldReader::member(const char* name, bool required) {
    if (!object_.IsObject()) return nullptr;
    auto found = object_.FindMember(name);
    if (found == object_.MemberEnd()) {
        if (required) fail(name, "is missing");
        return nullptr;
    }
    return &found->value;
}

std::string FieldReader::text(const char* name) {
    const rapidjson::Value* v = member(name, true);
    if (!v) return {};
    if (!v->IsString()) {
        fail(name, "is not a string");
        return {};
    }
    return std::string(v->GetString(), v->GetStringLength());
}

std::optional<std::string> FieldReader::optional_text(const char* name) {
    const rapidjson::Value* v = member(name, false);
    if (!v) return std::nullopt;
    if (!v->IsString()) {
        fail(name, "is not a string");
        return std::nullopt;
    }
    return std::string(v->GetString(), v->GetStringLength());
}

int64_t FieldReader::integer(const char* name) {
    const rapidjson::Value* v = member(name, true);
    if (!v) return 0;
    if (!v->IsInt64()) {
        fail(name, "is not an integer in the 64-bit range");
        return 0;
    }
    return v->GetInt64();
}

bool FieldReader::boolean(const char* name) {
    const rapidjson::Value* v = member(name, true);
    if (!v) return false;
    if (!v->IsBool()) {
        fail(name, "is not a boolean");
        return false;
    }
    return v->GetBool();
}

FieldReader FieldReader::object(const char* name) {
    const rapidjson::Value* v = member(name, true);
    if (v && !v->IsObject()) fail(name, "is not an object");
    return FieldReader(v && v->IsObject() ? *v : empty_object(), at_ + "/" + name, error_);
}

void FieldReader::fail(const char* name, const std::string& what) {
    if (error_.empty()) error_ = at_ + "/" + name + " " + what;
}

void FieldReader::fail_here(const std::string& what) {
    if (error_.empty()) error_ = at_ + " " + what;
}

Result<std::unique_ptr<rapidjson::Document>> parse_valid_payload(std::string_view type,
                                                                 std::string_view payload) {
    return CatalogAccess::parse_valid(SchemaCatalog::embedded(), type, payload, ErrorKind::poison);
}

}  // namespace courier::schemas::detail
