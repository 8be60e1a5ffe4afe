// MPI: `mpirun -np P daisd` writes the log a plain daisd writes, for any P, partition and
// thread count, and dais-replay (one process) reproduces it; a killed rank ends the job with
// a message and a restart resumes from the log. Also the pieces: partition, codecs, commands.
// Open MPI refuses to run as root unless told; the two variables are set for these children only.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "server/partition.h"
#include "server/phase_results.h"
#include "server/rank_commands.h"
#include "tests/capture/csv_samples.h"
#include "tests/server/test_support.h"
#include "tests/support/child_process.h"
#include "tests/support/ports.h"
#include "tests/support/text_files.h"

using dais::test::program;
using dais::test::run;
using namespace dais::server;
using namespace std::chrono_literals;

namespace {

const dais::test::Environment kMpiEnv = {{"OMPI_ALLOW_RUN_AS_ROOT", "1"}, {"OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"}};
const dais::test::RunOptions kMpi{.env = kMpiEnv, .streams = dais::test::Streams::merged};

// Small, but with everything that crosses ranks: crashes and recoveries (models replayed from
// the log on the owner), Byzantine forgeries and votes, Sybil ballots, consensus, blacklist hits.
std::vector<std::string> small_run(const std::string& scenario) {
  return {"--agents", "7", "--steps", "24", "--seed", "5", "--set", "simulation.scenario=" + scenario,
          "--set", "traffic.flows_per_step=25", "--set", "detector.trees=30", "--set", "detector.window=500",
          "--set", "traffic.first_campaign_step=2", "--set", "traffic.campaign_interval=4",
          "--set", "faults.crash_rate=0.04", "--set", "faults.recovery_steps=3",
          "--set", "faults.byzantine_fraction=0.3", "--set", "faults.sybils=2", "--set", "store.sync=none",
          "--quiet"};
}

std::vector<std::string> mpirun(int ranks) {
  return {DAIS_MPIEXEC, "--oversubscribe", "-np", std::to_string(ranks), program("daisd")};
}

std::string head_of(const std::filesystem::path& summary) {
  std::ifstream in(summary);
  return nlohmann::json::parse(in)["head_hash"].get<std::string>();
}

std::string plain_head(const dais::TempDir& tmp, const std::string& name, const std::vector<std::string>& args) {
  std::vector<std::string> argv{program("daisd"), "--data", (tmp / name).string(), "--summary-json",
                                (tmp / (name + ".json")).string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = run(argv, {.streams = dais::test::Streams::merged});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto summary = nlohmann::json::parse(dais::test::read_text(tmp / (name + ".json")));
  CHECK(summary.at("recoveries").get<int>() > 0);  // the runs compared below do cross recoveries
  return summary.at("head_hash").get<std::string>();
}

// The pid of the daisd of MPI rank `rank` whose command line holds `marker` (its --data path).
std::optional<pid_t> rank_pid(int rank, const std::string& marker) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto cmdline = dais::test::read_text(entry.path() / "cmdline");
    // argv[0] is daisd itself (not mpirun, whose command line holds the marker too).
    if (cmdline.rfind(program("daisd") + std::string(1, '\0'), 0) != 0 || cmdline.find(marker) == std::string::npos) {
      continue;
    }
    const auto environ = dais::test::read_text(entry.path() / "environ");
    if (environ.find("OMPI_COMM_WORLD_RANK=" + std::to_string(rank) + std::string(1, '\0')) != std::string::npos) {
      return static_cast<pid_t>(std::stol(name));
    }
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("partition: every agent has exactly one owner; block is contiguous, round_robin is id modulo ranks") {
  for (const auto partition : {Partition::block, Partition::round_robin}) {
    for (const std::uint32_t agents : {1u, 5u, 7u, 64u}) {
      for (const int ranks : {1, 2, 3, 4, 9}) {
        std::vector<int> owners(agents, -1);
        std::size_t total = 0;
        for (int r = 0; r < ranks; ++r) {
          const auto mine = owned_agents(partition, agents, r, ranks);
          total += mine.size();
          for (const auto a : mine) {
            CHECK(owners[a] == -1);
            owners[a] = r;
            CHECK(owner_of(partition, a, agents, ranks) == r);
          }
          // Shares differ by at most one agent.
          CHECK(mine.size() + 1 >= agents / static_cast<std::uint32_t>(ranks));
          CHECK(mine.size() <= agents / static_cast<std::uint32_t>(ranks) + 1);
        }
        CHECK(total == agents);
        for (std::uint32_t a = 1; a < agents; ++a) {
          if (partition == Partition::block) CHECK(owners[a] >= owners[a - 1]);
          if (partition == Partition::round_robin) CHECK(owners[a] == static_cast<int>(a % ranks));
        }
      }
    }
  }
  CHECK_THROWS_WITH_AS(parse_partition("stripes"), "unknown partition 'stripes' (allowed: block, round_robin)",
                       std::invalid_argument);
}

TEST_CASE("phase results cross ranks bit for bit, and a short message is refused") {
  AgentObservation o;
  o.counts.flows = 40;
  o.counts.false_negatives = 3;
  o.counts.missed_while_down = 1;
  o.hits = {{0x0a000001u, 7}, {0xc0a80000u, 2}};
  dais::agents::Signature s;
  s.id = "00ff00ff00ff00ff";
  s.indicator = 0x0a000001u;
  s.prefix_len = 24;
  s.centroid[0] = 0.1f;
  s.centroid[1] = 1e-40f;  // subnormal: text formatting would be the risk, bits are not
  s.lower[2] = -3.5f;
  s.upper[3] = 1e30f;
  s.confidence = 0.1 + 0.2;
  s.observations = 9;
  o.findings = {s, s};
  o.forged = {false, true};
  o.by_label[3] = {5, 4};
  o.recovered_to_block = 2;
  ByteWriter w;
  write_observation(w, o);
  const auto bytes = w.take();
  AgentObservation back;
  ByteReader r(bytes);
  read_observation(r, back);
  CHECK(r.done());
  CHECK(back.counts.flows == 40);
  CHECK(back.counts.false_negatives == 3);
  CHECK(back.counts.missed_while_down == 1);
  CHECK(back.hits == o.hits);
  REQUIRE(back.findings.size() == 2);
  CHECK(back.findings[1].id == s.id);
  CHECK(back.findings[1].prefix_len == 24);
  CHECK(back.findings[1].centroid == s.centroid);
  CHECK(back.findings[1].lower == s.lower);
  CHECK(back.findings[1].upper == s.upper);
  CHECK(back.findings[1].confidence == s.confidence);
  CHECK(back.forged == o.forged);
  CHECK(back.by_label.at(3).detected == 4);
  CHECK(back.recovered_to_block == 2);

  const dais::events::AgentRecovered recovered{5, 3, 7, "0123456789abcdef"};
  ByteWriter rw;
  write_recovered(rw, recovered);
  dais::events::AgentRecovered recovered_back;
  ByteReader rr(rw.bytes());
  read_recovered(rr, recovered_back);
  CHECK(rr.done());
  CHECK(recovered_back.agent == 5);
  CHECK(recovered_back.missed_steps == 3);
  CHECK(recovered_back.model_version == 7);
  CHECK(recovered_back.model_digest == recovered.model_digest);

  ByteReader cut(std::string_view(bytes).substr(0, bytes.size() - 3));
  AgentObservation partial;
  CHECK_THROWS_AS(read_observation(cut, partial), std::runtime_error);

  std::vector<Ballot> ballots(2);
  ballots[0].vote.approve = true;
  ballots[0].vote.similarity = 0.7071067811865476;
  ballots[1].abstain = true;
  ByteWriter bw;
  write_ballots(bw, ballots);
  std::vector<Ballot> owed(2);
  ByteReader br(bw.bytes());
  read_ballots(br, owed);
  CHECK(owed[0].vote.approve);
  CHECK(owed[0].vote.similarity == ballots[0].vote.similarity);
  CHECK(owed[1].abstain);
  std::vector<Ballot> other(3);  // ranks that disagree on what is owed are caught, not merged
  ByteReader br2(bw.bytes());
  CHECK_THROWS_AS(read_ballots(br2, other), std::runtime_error);
}

TEST_CASE("rank commands: start, step with operator inputs, stop") {
  const auto start = decode_command(encode_start_command(nlohmann::json{{"simulation.agents", 3}}, 2,
                                                         Partition::round_robin));
  CHECK(start.kind == RankCommand::Kind::start);
  CHECK(start.config["simulation.agents"] == 3);
  CHECK(start.threads == 2);
  CHECK(start.partition == Partition::round_robin);
  std::vector<dais::events::Event> inputs(1);
  inputs[0].type = "AttackInjected";
  inputs[0].step = 4;
  inputs[0].data = {{"kind", "port_scan"}};
  const auto step = decode_command(encode_step_command(4, inputs));
  CHECK(step.kind == RankCommand::Kind::step);
  CHECK(step.step == 4);
  REQUIRE(step.inputs.size() == 1);
  CHECK(step.inputs[0].type == "AttackInjected");
  CHECK(step.inputs[0].data["kind"] == "port_scan");
  CHECK(decode_command(encode_stop_command()).kind == RankCommand::Kind::stop);
  CHECK_THROWS_AS(decode_command(std::string(1, '\x07')), std::runtime_error);
  CHECK_THROWS_AS(decode_command(encode_stop_command() + "x"), std::runtime_error);
}

TEST_CASE("mpirun -np 1, 2 and 3 write the log a plain daisd writes, and dais-replay reproduces it") {
  for (const std::string scenario : {"realistic", "classroom"}) {
    dais::TempDir tmp;
    const auto args = small_run(scenario);
    const auto plain = plain_head(tmp, "plain", args);
    struct Variant {
      int ranks;
      std::string partition, threads;
    };
    for (const auto& v : {Variant{1, "block", "2"}, Variant{2, "block", "1"}, Variant{3, "round_robin", "1"},
                          Variant{2, "round_robin", "2"}}) {
      const auto name = "np" + std::to_string(v.ranks) + v.partition + v.threads;
      auto argv = mpirun(v.ranks);
      for (const auto& a : std::vector<std::string>{"--data", (tmp / name).string(), "--summary-json",
                                                    (tmp / (name + ".json")).string(), "--threads", v.threads,
                                                    "--set", "simulation.partition=" + v.partition}) {
        argv.push_back(a);
      }
      argv.insert(argv.end(), args.begin(), args.end());
      const auto r = run(argv, kMpi);
      INFO(scenario, " ", name, "\n", r.output);
      REQUIRE(r.exit_code == 0);
      CHECK(head_of(tmp / (name + ".json")) == plain);
      if (v.ranks > 1) CHECK(r.output.find("daisd: MPI " + std::to_string(v.ranks) + " ranks") != std::string::npos);
    }
    const auto replay = run({program("dais-replay"), "--quiet", (tmp / "np3round_robin1").string()},
                            {.streams = dais::test::Streams::merged});
    INFO(replay.output);
    CHECK(replay.exit_code == 0);
    CHECK(replay.output.find(plain) != std::string::npos);
  }
}

TEST_CASE("a killed rank ends the mpirun job with a message; mpirun on the same --data resumes the run") {
  dais::TempDir tmp;
  const auto args = small_run("realistic");
  const auto plain = plain_head(tmp, "plain", args);
  const auto data = (tmp / "killed").string();
  auto argv = mpirun(2);
  for (const auto& a : {std::string("--data"), data, std::string("--set"), std::string("simulation.step_interval_ms=150")}) {
    argv.push_back(a);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  const auto out = tmp / "killed.out";
  dais::test::ChildProcess job(argv, out, out, kMpiEnv);
  std::optional<pid_t> victim;
  for (int i = 0; i < 200 && !victim; ++i) {
    std::this_thread::sleep_for(50ms);
    victim = rank_pid(1, data);
  }
  REQUIRE_MESSAGE(victim, dais::test::read_text(out));
  std::this_thread::sleep_for(1500ms);  // a few steps in
  REQUIRE(::kill(*victim, SIGKILL) == 0);
  const auto code = job.wait(60s);
  const auto said = dais::test::read_text(out);
  INFO(said);
  REQUIRE(code.has_value());
  CHECK(*code != 0);
  CHECK(said.find("signal 9") != std::string::npos);

  auto again = mpirun(2);
  for (const auto& a : {std::string("--data"), data, std::string("--summary-json"), (tmp / "again.json").string()}) {
    again.push_back(a);
  }
  again.insert(again.end(), args.begin(), args.end());
  const auto r = run(again, kMpi);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(head_of(tmp / "again.json") == plain);
}

TEST_CASE("under mpirun a usage error (or --follow) ends every rank with daisd's message and exit 2, not a hang") {
  dais::TempDir tmp;
  auto argv = mpirun(2);
  for (const auto& a : {"--data", (tmp / "d").c_str(), "--set", "simulation.partition=stripes"}) argv.push_back(a);
  const auto r = run(argv, kMpi);
  INFO(r.output);
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("simulation.partition") != std::string::npos);
  CHECK(!r.timed_out);

  auto follow = mpirun(2);
  for (const auto& a : {"--data", (tmp / "f").c_str(), "--follow", "http://127.0.0.1:1"}) follow.push_back(a);
  const auto f = run(follow, kMpi);
  INFO(f.output);
  CHECK(f.exit_code != 0);
  CHECK(f.output.find("--follow is one process") != std::string::npos);
  CHECK(!f.timed_out);
}

TEST_CASE("operator inputs through rank 0's API reach every rank: the MPI log replays in one process") {
  dais::TempDir tmp;
  const auto port = std::to_string(dais::test::free_port());
  const auto data = (tmp / "served").string();
  auto argv = mpirun(2);
  for (const auto& a : std::vector<std::string>{
           "--data", data, "--serve", "--listen", "127.0.0.1:" + port, "--steps", "14", "--agents", "6", "--seed", "3",
           "--set", "api.token=tok", "--set", "simulation.step_interval_ms=150", "--set", "store.sync=none",
           "--set", "traffic.flows_per_step=25", "--set", "detector.trees=30", "--set", "detector.window=500",
           "--quiet"}) {
    argv.push_back(a);
  }
  const auto out = tmp / "served.out";
  dais::test::ChildProcess job(argv, out, out, kMpiEnv);
  REQUIRE_MESSAGE(dais::test::wait_for_port(static_cast<std::uint16_t>(std::stoi(port)), 30s),
                  dais::test::read_text(out));
  const auto url = "http://127.0.0.1:" + port;
  auto post = [&](const std::string& path, const std::string& body = {}) {
    std::vector<std::string> curl{"/usr/bin/curl", "-s", "-X", "POST", "-H", "Authorization: Bearer tok"};
    if (!body.empty()) {
      for (const auto& a : {std::string("-H"), std::string("Content-Type: application/json"), std::string("-d"), body}) {
        curl.push_back(a);
      }
    }
    curl.push_back(url + path);
    return run(curl).output;
  };
  CHECK(post("/v1/simulation/pause").find("\"paused\":true") != std::string::npos);
  CHECK(post("/v1/simulation/step").find("stepping") != std::string::npos);
  // Agents 3-5 belong to rank 1 (block partition of 6 agents on 2 ranks).
  const auto attack = post("/v1/attacks", R"({"kind":"flood","sources":["198.51.100.7"],"targets":[3,4,5]})");
  CHECK_MESSAGE(attack.find("op-") != std::string::npos, attack);
  CHECK(post("/v1/simulation/resume").find("\"paused\":false") != std::string::npos);
  bool finished = false;
  for (int i = 0; i < 300 && !finished; ++i) {
    std::this_thread::sleep_for(100ms);
    finished = run({"/usr/bin/curl", "-s", url + "/v1/stats"}).output.find("\"steps_completed\":14") !=
               std::string::npos;
  }
  REQUIRE_MESSAGE(finished, dais::test::read_text(out));
  const auto events = run({"/usr/bin/curl", "-s", url + "/v1/events?type=AttackInjected"}).output;
  CHECK_MESSAGE(events.find("198.51.100.7") != std::string::npos, events);
  job.signal(SIGTERM);
  REQUIRE(job.wait(60s).has_value());
  const auto replay = run({program("dais-replay"), "--quiet", data}, {.streams = dais::test::Streams::merged});
  INFO(replay.output);
  CHECK(replay.exit_code == 0);
  CHECK(replay.output.find("identical") != std::string::npos);
}

TEST_CASE("recorded traffic under mpirun is refused with a message, every rank ends, and nothing is logged") {
  dais::TempDir tmp;
  const auto csv = tmp / "flows.csv";
  dais::test::write_dais(csv, dais::test::sample_network({.steps = 16, .scan_start = 10}), false);
  const std::vector<std::string> args = {"--quiet", "--agents", "4", "--set", "store.sync=none",
                                         "--set", "traffic.source=flows", "--set", "traffic.training_steps=8",
                                         "--set", "traffic.path=" + csv.string(), "--steps", "0"};
  auto argv = mpirun(2);
  argv.push_back("--data");
  argv.push_back((tmp / "mpi").string());
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = run(argv, kMpi);
  INFO(r.output);
  CHECK(r.exit_code != 0);
  CHECK(!r.timed_out);
  CHECK(r.output.find("does not run under mpirun") != std::string::npos);
  CHECK(dais::test::open_store(tmp / "mpi")->head().empty());  // nothing was logged
}

TEST_CASE("the evidence defences under mpirun are refused with a message, every rank ends, and a plain run follows") {
  // Each agent's later evidence lives on its owner rank, so the engine refuses them with more than one
  // rank (server/engine.cpp). The refusal must end the job (no hang), say why, log nothing, and leave
  // the data directory to a plain daisd, which then writes the log a fresh directory gets.
  for (const std::string defence : {"evidence", "evidence_abstain"}) {
    CAPTURE(defence);
    dais::TempDir tmp;
    auto args = small_run("classroom");
    args.insert(args.end(), {"--set", "validation.defence=" + defence});
    auto argv = mpirun(2);
    for (const auto& a : {std::string("--data"), (tmp / "mpi").string()}) argv.push_back(a);
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run(argv, {.env = kMpiEnv, .streams = dais::test::Streams::merged, .timeout = 90s});
    INFO(r.output);
    CHECK(!r.timed_out);
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("validation.defence evidence/evidence_abstain runs on one rank only") != std::string::npos);
    CHECK(dais::test::open_store(tmp / "mpi")->head().empty());  // nothing was logged

    const auto head_in = [&](const std::string& name) {
      std::vector<std::string> plain{program("daisd"), "--data", (tmp / name).string(), "--summary-json",
                                     (tmp / (name + ".json")).string()};
      plain.insert(plain.end(), args.begin(), args.end());
      const auto p = run(plain, {.streams = dais::test::Streams::merged});
      INFO(p.output);
      REQUIRE(p.exit_code == 0);
      return head_of(tmp / (name + ".json"));
    };
    CHECK(head_in("mpi") == head_in("fresh"));
  }
}
