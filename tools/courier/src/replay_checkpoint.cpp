#include "courier/cli/replay_checkpoint.hpp"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "courier/core/errors.hpp"

namespace courier::cli {

namespace {

constexpr int kVersion = 1;

[[noreturn]] void invalid(const std::string& path, const std::string& why) {
    throw ConfigError("checkpoint " + path + " is not a replay checkpoint: " + why,
                      "give a new --checkpoint file, or restore the one the replay wrote");
}

const rapidjson::Value& member(const rapidjson::Value& object, const char* name, const std::string& path) {
    auto it = object.FindMember(name);
    if (it == object.MemberEnd()) invalid(path, std::string("no \"") + name + "\"");
    return it->value;
}

std::string string_of(const rapidjson::Value& object, const char* name, const std::string& path) {
    const auto& v = member(object, name, path);
    if (!v.IsString()) invalid(path, std::string("\"") + name + "\" is not a string");
    return {v.GetString(), v.GetStringLength()};
}

int64_t int_of(const rapidjson::Value& v, const std::string& path, const char* what) {
    if (!v.IsInt64()) invalid(path, std::string(what) + " is not an integer");
    return v.GetInt64();
}

int32_t partition_of(const std::string& name, const std::string& path) {
    try {
        std::size_t used = 0;
        auto id = std::stoi(name, &used);
        if (used == name.size() && id >= 0) return id;
    } catch (const std::exception&) {
    }
    invalid(path, "'" + name + "' is not a partition number");
}

std::map<int32_t, int64_t> offsets_of(const rapidjson::Value& object, const char* name,
                                      const std::string& path) {
    const auto& v = member(object, name, path);
    if (!v.IsObject()) invalid(path, std::string("\"") + name + "\" is not an object");
    std::map<int32_t, int64_t> out;
    for (const auto& m : v.GetObject())
        out[partition_of(m.name.GetString(), path)] = int_of(m.value, path, name);
    return out;
}

}  // namespace

std::optional<ReplayCheckpoint> ReplayCheckpoint::load(const std::string& path) {
    std::error_code ignored;
    if (std::filesystem::is_directory(path, ignored)) {
        throw ConfigError("checkpoint " + path + " is a folder",
                          "give the name of a file (it need not exist yet)");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (errno == ENOENT) return std::nullopt;
        throw ConfigError("cannot read checkpoint " + path + ": " + std::strerror(errno));
    }
    std::stringstream text;
    text << in.rdbuf();
    auto content = text.str();
    rapidjson::Document doc;
    doc.Parse(content.data(), content.size());
    if (doc.HasParseError() || !doc.IsObject()) invalid(path, "not a JSON object");
    if (int_of(member(doc, "version", path), path, "version") != kVersion) invalid(path, "unknown version");
    ReplayCheckpoint c;
    c.replay_id = string_of(doc, "replay_id", path);
    c.fingerprint = string_of(doc, "fingerprint", path);
    c.source = string_of(doc, "source", path);
    c.target = string_of(doc, "target", path);
    const auto& ranges = member(doc, "ranges", path);
    if (!ranges.IsObject()) invalid(path, "\"ranges\" is not an object");
    for (const auto& r : ranges.GetObject()) {
        if (!r.value.IsArray() || r.value.Size() != 2) invalid(path, "a range is not [start, end]");
        c.ranges.push_back({{c.source, partition_of(r.name.GetString(), path)},
                            int_of(r.value[0], path, "a range start"),
                            int_of(r.value[1], path, "a range end")});
    }
    std::sort(c.ranges.begin(), c.ranges.end());
    c.next = offsets_of(doc, "next", path);
    c.target_ends = offsets_of(doc, "target_ends", path);
    const auto& ahead = member(doc, "copied_ahead", path);
    if (!ahead.IsObject()) invalid(path, "\"copied_ahead\" is not an object");
    for (const auto& a : ahead.GetObject()) {
        if (!a.value.IsArray()) invalid(path, "\"copied_ahead\" holds a non-list");
        auto& list = c.copied_ahead[partition_of(a.name.GetString(), path)];
        for (const auto& o : a.value.GetArray()) list.push_back(int_of(o, path, "a copied offset"));
    }
    c.copied = static_cast<uint64_t>(int_of(member(doc, "copied", path), path, "copied"));
    c.filtered = static_cast<uint64_t>(int_of(member(doc, "filtered", path), path, "filtered"));
    const auto& complete = member(doc, "complete", path);
    if (!complete.IsBool()) invalid(path, "\"complete\" is not true or false");
    c.complete = complete.GetBool();
    return c;
}

void ReplayCheckpoint::save(const std::string& path) const {
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    auto key = [&](const std::string& k) { w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size())); };
    auto text = [&](const std::string& v) {
        w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
    };
    auto offsets = [&](const char* name, const std::map<int32_t, int64_t>& values) {
        w.Key(name);
        w.StartObject();
        for (const auto& [p, o] : values) {
            key(std::to_string(p));
            w.Int64(o);
        }
        w.EndObject();
    };
    w.StartObject();
    w.Key("version");
    w.Int(kVersion);
    w.Key("replay_id");
    text(replay_id);
    w.Key("fingerprint");
    text(fingerprint);
    w.Key("source");
    text(source);
    w.Key("target");
    text(target);
    w.Key("ranges");
    w.StartObject();
    for (const auto& r : ranges) {
        key(std::to_string(r.partition.partition));
        w.StartArray();
        w.Int64(r.start);
        w.Int64(r.end);
        w.EndArray();
    }
    w.EndObject();
    offsets("next", next);
    w.Key("copied_ahead");
    w.StartObject();
    for (const auto& [p, list] : copied_ahead) {
        if (list.empty()) continue;
        key(std::to_string(p));
        w.StartArray();
        for (auto o : list) w.Int64(o);
        w.EndArray();
    }
    w.EndObject();
    offsets("target_ends", target_ends);
    w.Key("copied");
    w.Uint64(copied);
    w.Key("filtered");
    w.Uint64(filtered);
    w.Key("complete");
    w.Bool(complete);
    w.EndObject();

    auto fail = [&](const std::string& what) {
        return CourierError(ErrorKind::permanent,
                            "cannot write checkpoint " + path + ": " + what + ": " + std::strerror(errno),
                            "check that its folder exists and is writable");
    };
    auto temporary = path + ".tmp";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw fail("open " + temporary);
    const char* data = buffer.GetString();
    std::size_t left = buffer.GetSize();
    while (left > 0) {
        auto n = ::write(fd, data, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            ::close(fd);
            throw fail("write");
        }
        data += n;
        left -= static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        ::close(fd);
        throw fail("fsync");
    }
    ::close(fd);
    if (std::rename(temporary.c_str(), path.c_str()) != 0) throw fail("rename");
}

}  // namespace courier::cli
