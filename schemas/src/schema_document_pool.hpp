#pragma once
// Compiled copies of one schema, lent to one validation at a time. RapidJSON 1.1.0's regex matcher
// keeps its state in the compiled schema (GenericRegex::state0_/state1_/stateSet_), so two threads
// validating against one compiled schema with a "pattern" race; each borrows its own copy instead.

#include <rapidjson/document.h>
#include <rapidjson/schema.h>

#include <memory>
#include <mutex>
#include <vector>

namespace courier::schemas::detail {

class SchemaDocumentPool {
public:
    /// Compiles the first copy of `schema`, which must outlive the pool and stay unchanged.
    explicit SchemaDocumentPool(const rapidjson::Value& schema);

    /// A compiled schema for the borrower alone; returns to the pool when destroyed.
    class Lease {
    public:
        Lease(const SchemaDocumentPool& pool, std::unique_ptr<rapidjson::SchemaDocument> schema)
            : pool_(&pool), schema_(std::move(schema)) {}
        Lease(Lease&&) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        ~Lease();
        const rapidjson::SchemaDocument& operator*() const noexcept { return *schema_; }

    private:
        const SchemaDocumentPool* pool_;
        std::unique_ptr<rapidjson::SchemaDocument> schema_;
    };

    /// Takes an idle copy, or compiles one when all are lent out. Thread-safe; the lock is held only
    /// to move a pointer.
    Lease acquire() const;

private:
    // Copies beyond this many are dropped on return instead of kept idle.
    static constexpr std::size_t kMaxIdle = 64;

    void give_back(std::unique_ptr<rapidjson::SchemaDocument> schema) const;

    const rapidjson::Value& schema_;
    mutable std::mutex mutex_;
    mutable std::vector<std::unique_ptr<rapidjson::SchemaDocument>> idle_;
};

}  // namespace courier::schemas::detail
