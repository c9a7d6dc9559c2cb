// The conformance suite over a real Apache Kafka broker (started by scripts/test).

#include "../conformance/conformance.hpp"
#include "courier/broker/kafka/kafka_admin.hpp"
#include "courier/broker/kafka/kafka_publisher.hpp"
#include "courier/broker/kafka/kafka_subscriber.hpp"
#include "courier/testing/environment.hpp"

namespace courier::broker::conformance {
namespace {

class RealKafka final : public BrokerUnderTest {
public:
    RealKafka() : admin_(client_properties()) {}

    void create_topic(const std::string& topic, int partitions) override {
        admin_.create_topic({topic, partitions, 1, {}});
    }
    std::unique_ptr<Publisher> publisher() override {
        kafka::KafkaPublisherOptions options;
        options.properties = client_properties();
        // A missing topic should fail in seconds, not after the 30 s default.
        options.properties.set("topic.metadata.propagation.max.ms", "2000");
        return std::make_unique<kafka::KafkaPublisher>(std::move(options));
    }
    std::unique_ptr<Subscriber> subscriber(const std::string& group) override {
        kafka::KafkaSubscriberOptions options;
        options.properties = client_properties();
        options.properties.set("session.timeout.ms", "6000");
        options.properties.set("heartbeat.interval.ms", "500");
        options.group = group;
        return std::make_unique<kafka::KafkaSubscriber>(std::move(options));
    }
    std::chrono::milliseconds patience() const override { return std::chrono::seconds(30); }

private:
    static Properties client_properties() {
        Properties p;
        p.set("bootstrap.servers", testing::kafka_bootstrap());
        return p;
    }
    kafka::KafkaAdmin admin_;
};

INSTANTIATE_TEST_SUITE_P(Kafka, PubSubConformance,
                         ::testing::Values(AdapterParam{"kafka", [] { return std::make_unique<RealKafka>(); }}),
                         adapter_name);

}  // namespace
}  // namespace courier::broker::conformance
