// The conformance suite over the in-process broker: the same cases Kafka must pass, as unit tests.

#include "../conformance/conformance.hpp"
#include "courier/broker/memory/broker.hpp"
#include "courier/broker/memory/publisher.hpp"
#include "courier/broker/memory/subscriber.hpp"

namespace courier::broker::conformance {
namespace {

class InMemory final : public BrokerUnderTest {
public:
    void create_topic(const std::string& topic, int partitions) override {
        broker_->create_topic(topic, partitions);
    }
    std::unique_ptr<Publisher> publisher() override { return std::make_unique<memory::Publisher>(broker_); }
    std::unique_ptr<Subscriber> subscriber(const std::string& group) override {
        return std::make_unique<memory::Subscriber>(broker_, memory::SubscriberOptions{.group = group});
    }
    // Everything happens within one poll; this only bounds a broken adapter.
    std::chrono::milliseconds patience() const override { return std::chrono::seconds(5); }

private:
    std::shared_ptr<memory::Broker> broker_ = std::make_shared<memory::Broker>();
};

INSTANTIATE_TEST_SUITE_P(Memory, PubSubConformance,
                         ::testing::Values(AdapterParam{"memory",
                                                        [] { return std::make_unique<InMemory>(); }}),
                         adapter_name);

}  // namespace
}  // namespace courier::broker::conformance
