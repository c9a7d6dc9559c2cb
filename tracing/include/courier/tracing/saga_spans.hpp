#pragma once
// INTERNAL spans for saga transitions, so a saga's steps show in the order's trace.

#include <string_view>

#include "courier/tracing/tracer.hpp"

namespace courier::tracing {

inline constexpr std::string_view kSagaType = "courier.saga.type";
inline constexpr std::string_view kSagaId = "courier.saga.id";
inline constexpr std::string_view kSagaTransition = "courier.saga.transition";
inline constexpr std::string_view kSagaStep = "courier.saga.step";

/// Starts `saga <type> <transition>` (INTERNAL), e.g. "saga PlaceOrder reserve-stock", as a child
/// of the active context (the process span of the reply that drove it, or the request that
/// started the saga); with `parent` given, of that context instead (a saga resumed after a crash
/// or by a timeout can parent on the context stored with the instance). Make it current with a
/// Scope while the transition writes its commands to the outbox, so the commands continue this
/// trace. Never blocks.
Span start_saga_span(const Tracer& tracer, std::string_view saga_type, std::string_view saga_id,
                     std::string_view transition, int step = -1, const SpanContext* parent = nullptr);

}  // namespace courier::tracing
