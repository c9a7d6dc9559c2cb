#include "courier/schemas/schema_catalog.hpp"

#include <rapidjson/schema.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "arena_validator.hpp"
#include "bounded_json.hpp"
#include "catalog_impl.hpp"
#include "courier/core/cloud_events.hpp"
#include "courier/schemas/schema_load_error.hpp"
#include "embedded_schemas.hpp"
#include "schema_loader.hpp"
#include "violation.hpp"

namespace courier::schemas {

namespace fs = std::filesystem;

namespace {

Error make_error(ErrorKind kind, std::string code, std::string message) {
    return Error{kind, std::move(code), std::move(message)};
}

// "store.order.placed" for "store.order.placed.v3": the type without its version, to suggest the
// versions the catalog does know.
std::string_view unversioned(std::string_view type) {
    auto dot = type.rfind(".v");
    return dot == std::string_view::npos ? type : type.substr(0, dot);
}

// The error for a payload that failed to parse or validate. `document` is the parsed payload when
// available; it lets the message say what was found.
Error failure(std::string_view type, const detail::BoundedParse& parse, const Limits& limits,
              const detail::Validator* validator, const detail::CompiledSchema& schema,
              const rapidjson::Value* document, ErrorKind kind) {
    std::string prefix = std::string(type) + ": ";
    switch (parse.stop) {
        case detail::ParseStop::too_deep:
            return make_error(kind, "schema.too_deep",
                              prefix + "payload " + parse.describe(limits.max_depth));
        case detail::ParseStop::nul_in_string:
        case detail::ParseStop::duplicate_key:
            return make_error(kind, "schema.invalid",
                              prefix + "invalid payload: " + parse.describe(limits.max_depth));
        case detail::ParseStop::syntax:
        case detail::ParseStop::trailing_bytes:
            return make_error(kind, "schema.unparsable",
                              prefix + "payload is " + parse.describe(limits.max_depth));
        case detail::ParseStop::none:
        case detail::ParseStop::handler:
            break;
    }
    std::string what = validator ? detail::describe_violation(*validator, *schema.document, document)
                                 : std::string(": rejected by the schema");
    return make_error(kind, "schema.invalid", prefix + "invalid payload " + what);
}

detail::BoundedParse stopped_by_validator() {
    detail::BoundedParse parse;
    parse.stop = detail::ParseStop::handler;
    return parse;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw SchemaLoadError(path.string(), "cannot be opened", "check the path and its permissions");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw SchemaLoadError(path.string(), "cannot be read", "check the file");
    return text.str();
}

}  // namespace

Result<const detail::CompiledSchema*> SchemaCatalog::Impl::lookup(std::string_view type,
                                                                  ErrorKind kind) const {
    auto found = schemas.find(type);
    if (found != schemas.end()) return found->second.get();
    std::string known;
    for (const auto& [name, schema] : schemas) {
        if (unversioned(name) == unversioned(type)) known += (known.empty() ? "" : ", ") + name;
    }
    std::string message = "no schema for ce_type '" + std::string(type) + "'";
    message += known.empty() ? " (the catalog has " + std::to_string(schemas.size()) + " types)"
                             : " (known versions: " + known + ")";
    return make_error(kind, "schema.unknown_type", std::move(message));
}

Result<void> SchemaCatalog::Impl::check(std::string_view type, std::string_view payload,
                                        ErrorKind kind) const {
    auto schema = lookup(type, kind);
    if (!schema) return std::move(schema).error();
    if (payload.size() > limits.max_bytes) {
        return make_error(kind, "schema.too_large",
                          std::string(type) + ": payload of " + std::to_string(payload.size()) +
                              " bytes exceeds the limit of " + std::to_string(limits.max_bytes) + " bytes");
    }
    // The hot path streams the payload through the validator without building a document.
    {
        auto lease = (*schema)->pool->acquire();
        detail::ArenaValidator validator(*lease);
        auto parse = detail::parse_bounded(payload, *validator, limits.max_depth);
        if (parse.ok() && validator->IsValid()) return {};
        if (parse.stop != detail::ParseStop::handler) {
            return failure(type, parse, limits, nullptr, **schema, nullptr, kind);
        }
    }
    // The cold path: the validator stopped early, so the rest of the payload was never read. Parse
    // it whole: a syntax error further on is reported as such, and the document says what was found.
    auto document = std::make_unique<rapidjson::Document>();
    auto parse = detail::parse_document(payload, *document, limits.max_depth);
    if (!parse.ok()) return failure(type, parse, limits, nullptr, **schema, nullptr, kind);
    auto lease = (*schema)->pool->acquire();
    detail::ArenaValidator validator(*lease);
    if (document->Accept(*validator)) return {};  // cannot happen: the streaming check failed
    return failure(type, stopped_by_validator(), limits, &*validator, **schema, document.get(), kind);
}

namespace detail {

Result<std::unique_ptr<rapidjson::Document>> CatalogAccess::parse_valid(const SchemaCatalog& catalog,
                                                                        std::string_view type,
                                                                        std::string_view payload,
                                                                        ErrorKind kind) {
    const auto& impl = *catalog.impl_;
    auto schema = impl.lookup(type, kind);
    if (!schema) return std::move(schema).error();
    if (payload.size() > impl.limits.max_bytes) return impl.check(type, payload, kind).error();
    auto document = std::make_unique<rapidjson::Document>();
    auto parse = parse_document(payload, *document, impl.limits.max_depth);
    if (!parse.ok()) return failure(type, parse, impl.limits, nullptr, **schema, nullptr, kind);
    auto lease = (*schema)->pool->acquire();
    detail::ArenaValidator validator(*lease);
    if (!document->Accept(*validator)) {
        return failure(type, stopped_by_validator(), impl.limits, &*validator, **schema, document.get(),
                       kind);
    }
    return document;
}

}  // namespace detail

SchemaCatalog::SchemaCatalog() : impl_(std::make_unique<Impl>()) {}
SchemaCatalog::~SchemaCatalog() = default;
SchemaCatalog::SchemaCatalog(SchemaCatalog&&) noexcept = default;
SchemaCatalog& SchemaCatalog::operator=(SchemaCatalog&&) noexcept = default;

const SchemaCatalog& SchemaCatalog::embedded() {
    static const SchemaCatalog catalog = load_embedded();
    return catalog;
}

SchemaCatalog SchemaCatalog::load_embedded(Limits limits) {
    SchemaCatalog catalog;
    catalog.set_limits(limits);
    for (const auto& file : detail::embedded_schema_files()) {
        auto slash = file.path.find('/');
        std::string where(file.path);
        auto type = detail::type_for_schema_file(file.path.substr(0, slash), file.path.substr(slash + 1),
                                                 "store", where);
        catalog.add(std::move(type), std::move(where), file.text);
    }
    return catalog;
}

SchemaCatalog SchemaCatalog::load_directory(const fs::path& root, std::string_view prefix, Limits limits) {
    std::vector<fs::path> files;
    try {
        if (!fs::is_directory(root)) {
            throw SchemaLoadError(root.string(), "is not a folder",
                                  "pass the folder that holds <domain>/<name>.v<N>.schema.json files");
        }
        for (const auto& domain : fs::directory_iterator(root)) {
            if (!domain.is_directory()) continue;
            for (const auto& entry : fs::directory_iterator(domain.path())) {
                if (entry.is_regular_file() && entry.path().filename().string().ends_with(".schema.json")) {
                    files.push_back(entry.path());
                }
            }
        }
    } catch (const fs::filesystem_error& e) {
        throw SchemaLoadError(root.string(), std::string("cannot be listed: ") + e.code().message(),
                              "check the path and its permissions");
    }
    if (files.empty()) {
        throw SchemaLoadError(root.string(), "holds no <domain>/<name>.v<N>.schema.json file",
                              "pass the folder whose subfolders (one per domain) hold the schema files");
    }
    std::sort(files.begin(), files.end());
    SchemaCatalog catalog;
    catalog.set_limits(limits);
    for (const auto& path : files) {
        auto where = path.string();
        auto type = detail::type_for_schema_file(path.parent_path().filename().string(),
                                                 path.filename().string(), prefix, where);
        catalog.add(std::move(type), where, read_file(path));
    }
    return catalog;
}

void SchemaCatalog::add(std::string type, std::string file, std::string_view text) {
    if (type.empty()) throw SchemaLoadError(file, "has an empty type", "every schema needs a ce_type");
    if (auto existing = impl_->schemas.find(type); existing != impl_->schemas.end()) {
        throw SchemaLoadError(file, "type " + type + " is already loaded from " + existing->second->info.file,
                              "each type and version has exactly one schema file");
    }
    auto document = detail::load_schema_document(file, text);
    if (document->HasMember("title")) {
        std::string_view title((*document)["title"].GetString(), (*document)["title"].GetStringLength());
        if (title != type) {
            throw SchemaLoadError(file, "title \"" + std::string(title) + "\" differs from its type " + type,
                                  "set title to the ce_type the file name gives, or rename the file");
        }
    }
    auto compiled = std::make_unique<detail::CompiledSchema>();
    compiled->info.type = type;
    compiled->info.file = std::move(file);
    if (document->HasMember("description"))
        compiled->info.description = (*document)["description"].GetString();
    compiled->info.text = std::string(text);
    compiled->pool = std::make_unique<detail::SchemaDocumentPool>(*document);
    compiled->document = std::move(document);
    impl_->schemas.emplace(std::move(type), std::move(compiled));
}

void SchemaCatalog::set_limits(Limits limits) noexcept { impl_->limits = limits; }
Limits SchemaCatalog::limits() const noexcept { return impl_->limits; }

bool SchemaCatalog::contains(std::string_view type) const noexcept {
    return impl_->schemas.find(type) != impl_->schemas.end();
}

std::optional<SchemaInfo> SchemaCatalog::find(std::string_view type) const {
    auto found = impl_->schemas.find(type);
    if (found == impl_->schemas.end()) return std::nullopt;
    return found->second->info;
}

std::vector<SchemaInfo> SchemaCatalog::list() const {
    std::vector<SchemaInfo> out;
    out.reserve(impl_->schemas.size());
    for (const auto& [type, schema] : impl_->schemas) out.push_back(schema->info);
    return out;
}

std::size_t SchemaCatalog::size() const noexcept { return impl_->schemas.size(); }

Result<void> SchemaCatalog::validate(std::string_view type, std::string_view payload) const {
    return impl_->check(type, payload, ErrorKind::permanent);
}

Result<void> SchemaCatalog::validate(const Message& message) const {
    auto attributes = ce::read(message);
    if (!attributes) {
        auto error = std::move(attributes).error();
        error.kind = ErrorKind::permanent;
        return error;
    }
    return validate(attributes->type, message.payload);
}

Result<void> SchemaCatalog::validate_consumed(std::string_view type, std::string_view payload) const {
    return impl_->check(type, payload, ErrorKind::poison);
}

Result<void> SchemaCatalog::validate_consumed(const Message& message) const {
    auto attributes = ce::read(message);
    if (!attributes) return std::move(attributes).error();  // already poison, with the position
    auto result = validate_consumed(attributes->type, message.payload);
    if (result) return result;
    auto error = std::move(result).error();
    error.message = "message " + attributes->id + " on " + describe_position(message) + ": " + error.message;
    return error;
}

}  // namespace courier::schemas
