// FlowBuilder: agents::Flow values for the detector, signature and validation
// tests, built by naming only what a test cares about; everything not named
// keeps agents::Flow's default (zero). The setters chain and later calls win,
// so `.all_features(v).feature(syn_ratio, 0.5f)` sets every feature to v but one.
// A value type; header-only; no I/O.
#pragma once

#include <cstdint>

#include "agents/features.h"

namespace dais::test {

class FlowBuilder {
 public:
  FlowBuilder& source(std::uint32_t address) {
    flow_.source = address;
    return *this;
  }
  FlowBuilder& all_features(float value) {
    flow_.features.fill(value);
    return *this;
  }
  FlowBuilder& feature(agents::Feature feature, float value) {
    flow_.features[feature] = value;
    return *this;
  }
  agents::Flow build() const { return flow_; }

 private:
  agents::Flow flow_;
};

}  // namespace dais::test
