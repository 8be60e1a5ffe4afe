// The network model on its own (server/network.h): delay and jitter bounds, loss,
// which agents a partition cuts off and which messages it drops, and that every
// answer is a pure function of its inputs.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "server/network.h"

using dais::server::Message;
using dais::server::Network;
using dais::server::NetworkSettings;

TEST_CASE("without network settings every message arrives in the step it is sent") {
  const Network net(1, NetworkSettings{}, 10);
  CHECK(net.instant());
  CHECK(net.cut_off_agents().empty());
  CHECK_FALSE(net.heal_step());
  for (std::uint32_t to = 0; to < 10; ++to) CHECK(net.arrival(Message::vote, 77, 3, to, 12) == 12u);
}

TEST_CASE("a delay without jitter delays every message by exactly that many steps; to oneself is instant") {
  NetworkSettings s;
  s.delay_steps = 4;
  const Network net(9, s, 6);
  CHECK_FALSE(net.instant());
  for (std::uint32_t from = 0; from < 6; ++from) {
    for (std::uint32_t to = 0; to < 6; ++to) {
      CHECK(net.arrival(Message::proposal, 5, from, to, 30) == (from == to ? 30u : 34u));
    }
  }
}

TEST_CASE("jitter spreads arrivals over [delay, delay + jitter], the same for the same message") {
  NetworkSettings s;
  s.delay_steps = 2;
  s.jitter_steps = 3;
  const Network net(9, s, 50);
  const Network same(9, s, 50);
  std::set<std::uint64_t> seen;
  for (std::uint32_t to = 1; to < 50; ++to) {
    for (std::uint64_t key = 0; key < 20; ++key) {
      const auto at = net.arrival(Message::vote, key, 0, to, 100);
      REQUIRE(at);
      CHECK(*at >= 102);
      CHECK(*at <= 105);
      CHECK(same.arrival(Message::vote, key, 0, to, 100) == at);
      seen.insert(*at);
    }
  }
  CHECK(seen == std::set<std::uint64_t>{102, 103, 104, 105});
  // Another kind of message about the same signature draws independently.
  std::size_t differ = 0;
  for (std::uint32_t to = 1; to < 50; ++to) {
    differ += net.arrival(Message::vote, 1, 0, to, 100) != net.arrival(Message::blacklist, 1, 0, to, 100);
  }
  CHECK(differ > 10);
}

TEST_CASE("loss drops its share of messages; loss 1 drops every message between two agents") {
  NetworkSettings s;
  s.loss = 0.3;
  const Network net(4, s, 200);
  std::size_t lost = 0, total = 0;
  for (std::uint32_t to = 1; to < 200; ++to) {
    for (std::uint64_t step = 0; step < 50; ++step, ++total) lost += !net.arrival(Message::vote, 8, 0, to, step);
  }
  const double share = static_cast<double>(lost) / static_cast<double>(total);
  CHECK(share > 0.28);
  CHECK(share < 0.32);

  s.loss = 1.0;
  const Network all_lost(4, s, 5);
  for (std::uint32_t to = 1; to < 5; ++to) CHECK_FALSE(all_lost.arrival(Message::proposal, 8, 0, to, 3));
  CHECK(all_lost.arrival(Message::proposal, 8, 2, 2, 3) == 3u);
}

TEST_CASE("a partition cuts off floor(fraction x agents) seeded agents and drops what crosses it while it lasts") {
  NetworkSettings s;
  s.delay_steps = 1;
  s.partition_fraction = 0.3;
  s.partition_start_step = 10;
  s.partition_steps = 5;  // steps 10..14; heals at 15
  const Network net(21, s, 10);
  REQUIRE(net.cut_off_agents().size() == 3);
  CHECK(net.heal_step() == 15u);
  CHECK_FALSE(net.partition_active(9));
  CHECK(net.partition_active(10));
  CHECK(net.partition_active(14));
  CHECK_FALSE(net.partition_active(15));
  CHECK(std::is_sorted(net.cut_off_agents().begin(), net.cut_off_agents().end()));
  CHECK(Network(22, s, 10).cut_off_agents() != net.cut_off_agents());  // seeded, not the lowest ids

  const auto cut = net.cut_off_agents().front();
  std::uint32_t other = 0;
  while (net.cut_off(other)) ++other;
  std::uint32_t cut_peer = net.cut_off_agents().back();

  CHECK(net.arrival(Message::vote, 1, cut, other, 5) == 6u);     // before: delivered
  CHECK_FALSE(net.arrival(Message::vote, 1, cut, other, 9));     // sent before, arrives inside: dropped
  CHECK_FALSE(net.arrival(Message::vote, 1, other, cut, 12));    // inside, either way
  CHECK_FALSE(net.arrival(Message::vote, 1, cut, other, 14));    // sent inside, arrives after: dropped
  CHECK(net.arrival(Message::vote, 1, other, cut, 15) == 16u);   // after: delivered
  CHECK(net.arrival(Message::vote, 1, cut, cut_peer, 12) == 13u);  // same side: delivered
  std::uint32_t other_peer = other + 1;
  while (net.cut_off(other_peer)) ++other_peer;
  CHECK(net.arrival(Message::vote, 1, other, other_peer, 12) == 13u);
}

TEST_CASE("a partition that cuts off nobody changes nothing") {
  NetworkSettings s;
  s.partition_fraction = 0.05;  // floor(0.05 x 10) = 0 agents
  s.partition_steps = 10;
  const Network net(3, s, 10);
  CHECK(net.cut_off_agents().empty());
  CHECK(net.instant());
  CHECK_FALSE(net.heal_step());
}
