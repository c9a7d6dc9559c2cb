#include "strict_decoder.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace courier::tracing::testing {

DecodeResult strict_decode(const std::vector<std::string>& bodies) {
    namespace fs = std::filesystem;
    auto dir = fs::temp_directory_path() /
               ("courier-otlp-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
    fs::create_directories(dir);
    std::string command;
    const char* python = std::getenv("COURIER_TEST_PYTHON");
    command += (python && *python) ? python : "python3";
    command += " " COURIER_OTLP_DECODER;
    for (std::size_t i = 0; i < bodies.size(); ++i) {
        auto path = dir / ("body-" + std::to_string(i) + ".json");
        std::ofstream(path, std::ios::binary) << bodies[i];
        command += " '" + path.string() + "'";
    }
    auto errors = dir / "stderr.txt";
    command += " 2>'" + errors.string() + "'";

    DecodeResult result;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        result.errors = "cannot run: " + command;
        return result;
    }
    char chunk[4096];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) result.output.append(chunk, n);
    int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream err(errors);
    std::stringstream text;
    text << err.rdbuf();
    result.errors = text.str();
    fs::remove_all(dir);
    return result;
}

}  // namespace courier::tracing::testing
