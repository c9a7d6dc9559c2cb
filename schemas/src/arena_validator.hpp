#pragma once
// A RapidJSON schema validator that keeps its working state in a buffer on the caller's stack.
// SchemaValidator's default state allocator is malloc: every validation paid for two stacks, a hasher
// and per-object bookkeeping, one malloc each. A memory pool over a stack buffer makes the common
// payload allocation-free; larger ones spill into pool chunks freed when the validator goes.

#include <rapidjson/allocators.h>
#include <rapidjson/reader.h>
#include <rapidjson/schema.h>

#include <cstddef>

namespace courier::schemas::detail {

using Validator = rapidjson::GenericSchemaValidator<rapidjson::SchemaDocument,
                                                    rapidjson::BaseReaderHandler<rapidjson::UTF8<>>,
                                                    rapidjson::MemoryPoolAllocator<>>;

/// One validation's validator and its memory. Not copyable or movable (the validator points into the
/// buffer); create it where it is used.
class ArenaValidator {
public:
    explicit ArenaValidator(const rapidjson::SchemaDocument& schema)
        : arena_(buffer_, sizeof buffer_, kChunkBytes), validator_(schema, &arena_) {}
    ArenaValidator(const ArenaValidator&) = delete;
    ArenaValidator& operator=(const ArenaValidator&) = delete;

    Validator& operator*() noexcept { return validator_; }
    Validator* operator->() noexcept { return &validator_; }

private:
    static constexpr std::size_t kBufferBytes = 8 * 1024;
    static constexpr std::size_t kChunkBytes = 16 * 1024;

    alignas(std::max_align_t) char buffer_[kBufferBytes];
    rapidjson::MemoryPoolAllocator<> arena_;  // declared after buffer_, before validator_: construction order
    Validator validator_;
};

}  // namespace courier::schemas::detail
