#pragma once
// One suite every broker adapter must pass (Watermill's pubsub/tests idea): the same cases run
// over the in-memory adapter (unit) and over a real Kafka broker (integration).

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "courier/broker/publisher.hpp"
#include "courier/broker/subscriber.hpp"

namespace courier::broker::conformance {

/// What a suite needs from an adapter. Each test gets a fresh instance.
class BrokerUnderTest {
public:
    virtual ~BrokerUnderTest() = default;
    virtual void create_topic(const std::string& topic, int partitions) = 0;
    virtual std::unique_ptr<Publisher> publisher() = 0;
    virtual std::unique_ptr<Subscriber> subscriber(const std::string& group) = 0;
    /// Upper bound for anything to happen: a delivery, a join, a rebalance.
    virtual std::chrono::milliseconds patience() const = 0;
};

struct AdapterParam {
    std::string name;
    std::function<std::unique_ptr<BrokerUnderTest>()> make;
};

inline std::string adapter_name(const ::testing::TestParamInfo<AdapterParam>& info) { return info.param.name; }

class PubSubConformance : public ::testing::TestWithParam<AdapterParam> {
protected:
    void SetUp() override { broker_ = GetParam().make(); }
    std::unique_ptr<BrokerUnderTest> broker_;
};

}  // namespace courier::broker::conformance
