#include "courier/core/clock.hpp"

namespace courier {

const SystemClock& SystemClock::instance() {
    static const SystemClock clock;
    return clock;
}

}  // namespace courier
