#include "courier/schemas/compatibility.hpp"

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <utility>

#include "bounded_json.hpp"
#include "schema_loader.hpp"

namespace courier::schemas {

namespace {

using Value = rapidjson::Value;

// JSON types as bits, so "which types does a schema accept" is a mask.
enum TypeBit : unsigned {
    kNull = 1,
    kBoolean = 2,
    kInteger = 4,
    kNumber = 8,
    kString = 16,
    kArray = 32,
    kObject = 64,
    kAnyType = 127,
};

constexpr std::pair<std::string_view, unsigned> kTypeNames[] = {
    {"null", kNull},     {"boolean", kBoolean}, {"integer", kInteger}, {"number", kNumber},
    {"string", kString}, {"array", kArray},     {"object", kObject},
};

unsigned type_bit(std::string_view name) {
    for (const auto& [text, bit] : kTypeNames) {
        if (text == name) return bit;
    }
    return 0;
}

unsigned accepted_types(const Value& schema) {
    if (!schema.HasMember("type")) return kAnyType;
    const auto& type = schema["type"];
    if (type.IsString()) return type_bit({type.GetString(), type.GetStringLength()});
    unsigned mask = 0;
    for (const auto& t : type.GetArray()) mask |= type_bit({t.GetString(), t.GetStringLength()});
    return mask;
}

std::string json(const Value& v) { return detail::to_json_text(v, 80); }

std::string token(std::string_view name) {
    std::string out;
    for (char c : name) {
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

std::string quoted(std::string_view name) {
    Value v(rapidjson::StringRef(name.data(), name.size()));
    return json(v);
}

std::string_view text_of(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

const Value* member(const Value& schema, const char* keyword) {
    auto found = schema.FindMember(keyword);
    return found == schema.MemberEnd() ? nullptr : &found->value;
}

// additionalProperties / additionalItems: absent or true (open), false (closed) or a schema.
enum class Openness { open, closed, schema };

Openness openness(const Value* v) {
    if (!v || (v->IsBool() && v->GetBool())) return Openness::open;
    if (v->IsBool()) return Openness::closed;
    return Openness::schema;
}

bool contains_name(const Value* names, std::string_view name) {
    if (!names || !names->IsArray()) return false;
    for (const auto& n : names->GetArray()) {
        if (text_of(n) == name) return true;
    }
    return false;
}

class CompatibilityWalk {
public:
    CompatibilityWalk(const Value& old_root, const Value& new_root)
        : old_root_(old_root), new_root_(new_root) {}

    void compare(const Value& old_at, const Value& new_at, const std::string& at, int depth = 0) {
        const Value& o = resolve(old_root_, old_at);
        const Value& n = resolve(new_root_, new_at);
        if (!o.IsObject() || !n.IsObject()) return;
        if (!visited_.insert({&o, &n}).second) return;  // recursive schemas: each pair once
        if (depth > kMaxDepth) {
            report(at, "schemas nest too deeply to compare; review by hand");
            return;
        }
        unsigned old_types = accepted_types(o);
        compare_type(o, n, at, old_types);
        compare_enum(o, n, at);
        if (old_types & (kInteger | kNumber)) compare_numbers(o, n, at);
        if (old_types & kString) {
            compare_lower_bound(o, n, at, "minLength");
            compare_upper_bound(o, n, at, "maxLength");
            compare_text(o, n, at, "pattern");
            compare_text(o, n, at, "format");
        }
        if (old_types & kArray) compare_arrays(o, n, at, depth);
        if (old_types & kObject) compare_objects(o, n, at, depth);
        for (const char* keyword : {"allOf", "anyOf", "oneOf", "not"}) {
            const Value* nv = member(n, keyword);
            const Value* ov = member(o, keyword);
            if (nv && (!ov || *ov != *nv)) {
                report(at + "/" + keyword, std::string(keyword) + (ov ? " changed" : " added") +
                                               ": courier cannot prove the change safe; review it by hand");
            }
        }
    }

    std::vector<CompatibilityProblem> take() { return std::move(problems_); }

private:
    static constexpr int kMaxDepth = 256;

    // Follows $ref chains; the loader already proved each resolves and does not loop.
    static const Value& resolve(const Value& root, const Value& schema) {
        const Value* current = &schema;
        for (int hops = 0; hops < 64 && current->IsObject() && current->HasMember("$ref"); ++hops) {
            const auto& ref = (*current)["$ref"];
            rapidjson::Pointer pointer(ref.GetString(), ref.GetStringLength());
            const Value* target = pointer.IsValid() ? pointer.Get(root) : nullptr;
            if (!target) break;
            current = target;
        }
        return *current;
    }

    void report(std::string at, std::string message) {
        problems_.push_back({std::move(at), std::move(message)});
    }

    void compare_type(const Value& o, const Value& n, const std::string& at, unsigned old_types) {
        unsigned new_types = accepted_types(n);
        if (new_types & kNumber) new_types |= kInteger;  // every integer is a number
        if (!o.HasMember("type") && n.HasMember("type")) {
            report(at + "/type", "type restricted to " + json(n["type"]) + " (OLD accepted any type)");
            return;
        }
        for (const auto& [name, bit] : kTypeNames) {
            if ((old_types & bit) && !(new_types & bit)) {
                report(at + "/type", "type narrowed: \"" + std::string(name) + "\" is no longer accepted");
            }
        }
    }

    void compare_enum(const Value& o, const Value& n, const std::string& at) {
        const Value* nv = member(n, "enum");
        if (!nv) return;
        const Value* ov = member(o, "enum");
        if (!ov) {
            report(at + "/enum", "enum added: OLD accepted other values");
            return;
        }
        for (const auto& value : ov->GetArray()) {
            bool kept = false;
            for (const auto& candidate : nv->GetArray()) kept = kept || candidate == value;
            if (!kept) report(at + "/enum", "enum value " + json(value) + " removed");
        }
    }

    void compare_numbers(const Value& o, const Value& n, const std::string& at) {
        compare_limit(o, n, at, "minimum", "exclusiveMinimum", "raised",
                      [](double a, double b) { return a > b; });
        compare_limit(o, n, at, "maximum", "exclusiveMaximum", "lowered",
                      [](double a, double b) { return a < b; });
        const Value* nv = member(n, "multipleOf");
        if (!nv) return;
        const Value* ov = member(o, "multipleOf");
        if (!ov) {
            report(at + "/multipleOf", "multipleOf added: " + json(*nv));
        } else if (std::fmod(ov->GetDouble(), nv->GetDouble()) != 0.0) {
            report(at + "/multipleOf", "multipleOf changed from " + json(*ov) + " to " + json(*nv));
        }
    }

    // minimum/maximum with their exclusive flags; `tighter(new, old)` says the new bound is stricter.
    template <typename Tighter>
    void compare_limit(const Value& o, const Value& n, const std::string& at, const char* keyword,
                       const char* exclusive, const char* verb, Tighter tighter) {
        const Value* nv = member(n, keyword);
        if (!nv) return;
        const Value* ov = member(o, keyword);
        auto flag = [exclusive](const Value& s) {
            const Value* e = member(s, exclusive);
            return e && e->IsBool() && e->GetBool();
        };
        if (!ov) {
            report(at + "/" + keyword, std::string(keyword) + " added: " + json(*nv));
        } else if (tighter(nv->GetDouble(), ov->GetDouble())) {
            report(at + "/" + keyword,
                   std::string(keyword) + " " + verb + " from " + json(*ov) + " to " + json(*nv));
        } else if (nv->GetDouble() == ov->GetDouble() && flag(n) && !flag(o)) {
            report(at + "/" + exclusive, std::string(exclusive) + " turned on at " + json(*nv));
        }
    }

    void compare_lower_bound(const Value& o, const Value& n, const std::string& at, const char* keyword) {
        const Value* nv = member(n, keyword);
        if (!nv) return;
        const Value* ov = member(o, keyword);
        double old_bound = ov ? ov->GetDouble() : 0.0;
        if (nv->GetDouble() > old_bound) {
            report(
                at + "/" + keyword,
                std::string(keyword) + (ov ? " raised from " + json(*ov) + " to " : " added: ") + json(*nv));
        }
    }

    void compare_upper_bound(const Value& o, const Value& n, const std::string& at, const char* keyword) {
        const Value* nv = member(n, keyword);
        if (!nv) return;
        const Value* ov = member(o, keyword);
        if (!ov) {
            report(at + "/" + keyword, std::string(keyword) + " added: " + json(*nv));
        } else if (nv->GetDouble() < ov->GetDouble()) {
            report(at + "/" + keyword,
                   std::string(keyword) + " lowered from " + json(*ov) + " to " + json(*nv));
        }
    }

    // pattern and format: RapidJSON cannot decide whether one regex accepts all another does, so any
    // new or changed one is reported.
    void compare_text(const Value& o, const Value& n, const std::string& at, const char* keyword) {
        const Value* nv = member(n, keyword);
        if (!nv) return;
        const Value* ov = member(o, keyword);
        if (!ov) {
            report(at + "/" + keyword, std::string(keyword) + " added: " + json(*nv));
        } else if (*ov != *nv) {
            report(at + "/" + keyword,
                   std::string(keyword) + " changed from " + json(*ov) + " to " + json(*nv));
        }
    }

    void compare_additional(const Value* ov, const Value* nv, const std::string& at, const char* keyword,
                            int depth) {
        auto old_open = openness(ov);
        auto new_open = openness(nv);
        if (new_open == Openness::closed && old_open != Openness::closed) {
            report(at + "/" + keyword,
                   std::string(keyword) + " turned false: values OLD allowed are now rejected");
        } else if (new_open == Openness::schema && old_open == Openness::open) {
            report(at + "/" + keyword,
                   std::string(keyword) + " now constrained by a schema (OLD allowed any value)");
        } else if (new_open == Openness::schema && old_open == Openness::schema) {
            compare(*ov, *nv, at + "/" + keyword, depth + 1);
        }
    }

    void compare_arrays(const Value& o, const Value& n, const std::string& at, int depth) {
        compare_lower_bound(o, n, at, "minItems");
        compare_upper_bound(o, n, at, "maxItems");
        const Value* nu = member(n, "uniqueItems");
        const Value* ou = member(o, "uniqueItems");
        if (nu && nu->GetBool() && !(ou && ou->GetBool()))
            report(at + "/uniqueItems", "uniqueItems turned on");

        const Value* oi = member(o, "items");
        const Value* ni = member(n, "items");
        const Value* oa = member(o, "additionalItems");
        const Value* na = member(n, "additionalItems");
        if (ni && !oi) {
            if (!(ni->IsObject() && ni->ObjectEmpty()))
                report(at + "/items", "items constrained (OLD accepted any element)");
        } else if (ni && oi && ni->IsObject() && oi->IsObject()) {
            compare(*oi, *ni, at + "/items", depth + 1);
        } else if (ni && oi && ni->IsArray() && oi->IsArray()) {
            rapidjson::SizeType count = std::max(oi->Size(), ni->Size());
            for (rapidjson::SizeType i = 0; i < count; ++i) {
                auto item_at = at + "/items/" + std::to_string(i);
                if (i < oi->Size() && i < ni->Size()) {
                    compare((*oi)[i], (*ni)[i], item_at, depth + 1);
                } else if (i < ni->Size()) {  // OLD's additionalItems governed this position
                    if (openness(oa) == Openness::schema) {
                        compare(*oa, (*ni)[i], item_at, depth + 1);
                    } else if (openness(oa) == Openness::open) {
                        report(item_at, "tuple item added (OLD accepted any value at this position)");
                    }
                } else if (openness(na) == Openness::closed) {
                    report(item_at, "tuple item removed and additionalItems is false");
                } else if (openness(na) == Openness::schema) {
                    compare((*oi)[i], *na, at + "/additionalItems", depth + 1);
                }
            }
            compare_additional(oa, na, at, "additionalItems", depth);
        } else if (ni && oi) {
            report(at + "/items", "items changed between the list and the tuple form");
        }
    }

    void compare_objects(const Value& o, const Value& n, const std::string& at, int depth) {
        compare_lower_bound(o, n, at, "minProperties");
        compare_upper_bound(o, n, at, "maxProperties");
        static const Value kNone(rapidjson::kObjectType);
        const Value* op = member(o, "properties");
        const Value* np = member(n, "properties");
        const Value& old_props = op ? *op : kNone;
        const Value& new_props = np ? *np : kNone;
        const Value* old_required = member(o, "required");
        const Value* new_required = member(n, "required");
        const Value* old_additional = member(o, "additionalProperties");
        const Value* new_additional = member(n, "additionalProperties");

        if (new_required) {
            for (const auto& name : new_required->GetArray()) {
                if (!contains_name(old_required, text_of(name))) {
                    report(at + "/required", "property " + json(name) + " is newly required");
                }
            }
        }
        if (old_required) {
            for (const auto& name : old_required->GetArray()) {
                if (contains_name(new_required, text_of(name))) continue;
                if (new_props.HasMember(name) || !old_props.HasMember(name)) {
                    report(at + "/required",
                           "property " + json(name) + " is no longer required (readers of OLD rely on it)");
                } else {
                    report(at + "/properties/" + token(text_of(name)),
                           "required property " + json(name) + " removed");
                }
            }
        }
        for (const auto& property : old_props.GetObject()) {
            auto name = text_of(property.name);
            auto property_at = at + "/properties/" + token(name);
            auto kept = new_props.FindMember(property.name);
            if (kept != new_props.MemberEnd()) {
                compare(property.value, kept->value, property_at, depth + 1);
            } else if (contains_name(old_required, name) && !contains_name(new_required, name)) {
                continue;  // reported above as a removed required property
            } else if (openness(new_additional) == Openness::closed && !member(n, "patternProperties")) {
                report(property_at,
                       "property " + quoted(name) +
                           " removed while additionalProperties is false: payloads carrying it are "
                           "now rejected");
            } else if (openness(new_additional) == Openness::schema) {
                compare(property.value, *new_additional, at + "/additionalProperties", depth + 1);
            }
        }
        for (const auto& property : new_props.GetObject()) {
            if (old_props.HasMember(property.name)) continue;
            auto property_at = at + "/properties/" + token(text_of(property.name));
            switch (openness(old_additional)) {
                case Openness::closed:
                    break;  // OLD payloads never carried it
                case Openness::schema:
                    compare(*old_additional, property.value, property_at, depth + 1);
                    break;
                case Openness::open: {
                    const Value& added = resolve(new_root_, property.value);
                    if (!(added.IsObject() && added.ObjectEmpty())) {
                        report(property_at,
                               "property " + quoted(text_of(property.name)) +
                                   " added to an open object: OLD payloads may carry any value in it");
                    }
                    break;
                }
            }
        }
        compare_additional(old_additional, new_additional, at, "additionalProperties", depth);

        const Value* opp = member(o, "patternProperties");
        const Value* npp = member(n, "patternProperties");
        if (npp) {
            for (const auto& pattern : npp->GetObject()) {
                auto pattern_at = at + "/patternProperties/" + token(text_of(pattern.name));
                if (opp && opp->HasMember(pattern.name)) {
                    compare((*opp)[pattern.name], pattern.value, pattern_at, depth + 1);
                } else {
                    report(pattern_at, "patternProperties " + json(pattern.name) + " added");
                }
            }
        }
        const Value* od = member(o, "dependencies");
        const Value* nd = member(n, "dependencies");
        if (nd && (!od || *od != *nd)) {
            report(at + "/dependencies", od ? "dependencies changed" : "dependencies added");
        }
    }

    const Value& old_root_;
    const Value& new_root_;
    std::set<std::pair<const Value*, const Value*>> visited_;
    std::vector<CompatibilityProblem> problems_;
};

}  // namespace

CompatibilityReport check_compatibility(std::string_view old_schema, std::string_view new_schema,
                                        std::string_view old_name, std::string_view new_name) {
    auto old_document = detail::load_schema_document(std::string(old_name), old_schema);
    auto new_document = detail::load_schema_document(std::string(new_name), new_schema);
    CompatibilityWalk walk(*old_document, *new_document);
    walk.compare(*old_document, *new_document, "#");
    return CompatibilityReport{walk.take()};
}

}  // namespace courier::schemas
