#include "schema_document_pool.hpp"

namespace courier::schemas::detail {

SchemaDocumentPool::SchemaDocumentPool(const rapidjson::Value& schema) : schema_(schema) {
    idle_.push_back(std::make_unique<rapidjson::SchemaDocument>(schema_));
}

SchemaDocumentPool::Lease::~Lease() {
    if (schema_) pool_->give_back(std::move(schema_));
}

SchemaDocumentPool::Lease SchemaDocumentPool::acquire() const {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto schema = std::move(idle_.back());
            idle_.pop_back();
            return Lease(*this, std::move(schema));
        }
    }
    // Compiling reads the schema document only, so it can run outside the lock.
    return Lease(*this, std::make_unique<rapidjson::SchemaDocument>(schema_));
}

void SchemaDocumentPool::give_back(std::unique_ptr<rapidjson::SchemaDocument> schema) const {
    std::lock_guard lock(mutex_);
    if (idle_.size() < kMaxIdle) idle_.push_back(std::move(schema));
}

}  // namespace courier::schemas::detail
