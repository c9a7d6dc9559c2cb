#pragma once
// The one way tracing includes Asio and Beast. Boost 1.74's Asio needs <utility> before its
// headers under GCC 12 (FACTS.md). Include this only in .cpp files: one such translation unit
// takes ~13 s to compile.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <utility>
