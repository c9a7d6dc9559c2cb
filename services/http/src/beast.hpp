#pragma once
// The one way courier::http includes Asio and Beast. Boost 1.74's Asio needs <utility> before its
// headers under GCC 12 (FACTS.md). Include this only in .cpp files: each such translation unit
// takes ~13 s to compile.

// clang-format off
#include <utility>
// clang-format on

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
