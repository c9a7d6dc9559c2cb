#include "courier/saga/saga_report.hpp"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <iomanip>
#include <ostream>

#include "courier/core/cloud_events.hpp"

namespace courier::saga {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void string_field(Writer& w, const char* name, const std::string& value) {
    w.Key(name);
    w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

void summary_fields(Writer& w, const InstanceSummary& s) {
    string_field(w, "id", s.id);
    string_field(w, "type", s.type);
    string_field(w, "status", std::string(to_string(s.status)));
    w.Key("step");
    w.Int(s.step);
    w.Key("attempt");
    w.Int(s.attempt);
    w.Key("version");
    w.Int64(s.version);
    string_field(w, "reason", s.reason);
    string_field(w, "created_at", ce::format_time(s.created_at));
    string_field(w, "updated_at", ce::format_time(s.updated_at));
    w.Key("deadline");
    if (s.deadline) {
        const auto text = ce::format_time(*s.deadline);
        w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
    } else {
        w.Null();
    }
}

std::string deadline_text(const InstanceSummary& s) {
    return s.deadline ? ce::format_time(*s.deadline) : "-";
}

}  // namespace

void write_instances(std::ostream& out, const std::vector<InstanceSummary>& instances, bool json) {
    if (json) {
        rapidjson::StringBuffer buffer;
        Writer w(buffer);
        w.StartArray();
        for (const auto& s : instances) {
            w.StartObject();
            summary_fields(w, s);
            w.EndObject();
        }
        w.EndArray();
        out << buffer.GetString() << '\n';
        return;
    }
    out << std::left << std::setw(38) << "ID" << std::setw(28) << "TYPE" << std::setw(24) << "STATUS"
        << std::setw(6) << "STEP" << std::setw(26) << "UPDATED" << std::setw(26) << "DEADLINE"
        << "REASON\n";
    for (const auto& s : instances) {
        out << std::left << std::setw(38) << s.id << std::setw(28) << s.type << std::setw(24)
            << to_string(s.status) << std::setw(6) << s.step << std::setw(26) << ce::format_time(s.updated_at)
            << std::setw(26) << deadline_text(s) << s.reason << '\n';
    }
}

void write_instance(std::ostream& out, const InstanceDetail& instance, bool json) {
    const auto& s = instance.summary;
    if (json) {
        rapidjson::StringBuffer buffer;
        Writer w(buffer);
        w.StartObject();
        summary_fields(w, s);
        w.Key("data");
        rapidjson::Document data;
        if (data.Parse(instance.data.c_str(), instance.data.size()).HasParseError()) {
            w.String(instance.data.c_str(), static_cast<rapidjson::SizeType>(instance.data.size()));
        } else {
            data.Accept(w);
        }
        w.Key("history");
        w.StartArray();
        for (const auto& h : instance.history) {
            w.StartObject();
            string_field(w, "at", ce::format_time(h.at));
            w.Key("from");
            if (h.from) {
                const auto from = std::string(to_string(*h.from));
                w.String(from.c_str(), static_cast<rapidjson::SizeType>(from.size()));
            } else {
                w.Null();
            }
            string_field(w, "to", std::string(to_string(h.to)));
            w.Key("step");
            w.Int(h.step);
            string_field(w, "message_id", h.message_id);
            string_field(w, "command_id", h.command_id);
            string_field(w, "detail", h.detail);
            w.EndObject();
        }
        w.EndArray();
        w.EndObject();
        out << buffer.GetString() << '\n';
        return;
    }
    out << "id:       " << s.id << "\ntype:     " << s.type << "\nstatus:   " << to_string(s.status)
        << "\nstep:     " << s.step << " (attempt " << s.attempt << ", version " << s.version << ")"
        << "\ncreated:  " << ce::format_time(s.created_at) << "\nupdated:  " << ce::format_time(s.updated_at)
        << "\ndeadline: " << deadline_text(s) << "\nreason:   " << (s.reason.empty() ? "-" : s.reason)
        << "\ndata:     " << instance.data << "\nhistory:\n";
    for (const auto& h : instance.history) {
        out << "  " << ce::format_time(h.at) << "  " << (h.from ? to_string(*h.from) : "-") << " -> "
            << to_string(h.to) << "  step " << h.step << "  " << h.detail;
        if (!h.message_id.empty()) out << "  (reply " << h.message_id << ")";
        if (!h.command_id.empty()) out << "  (sent " << h.command_id << ")";
        out << '\n';
    }
}

}  // namespace courier::saga
