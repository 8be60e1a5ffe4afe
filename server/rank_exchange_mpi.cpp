#include "server/rank_exchange_mpi.h"

#include <mpi.h>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace dais::server {

namespace {

class MpiExchange final : public RankExchange {
 public:
  MpiExchange(int& argc, char**& argv) : environment_(argc, argv, /*abort_on_exception=*/true) {}

  int rank() const override { return world_.rank(); }
  int size() const override { return world_.size(); }

  std::vector<std::string> all_gather(const std::string& mine) override {
    if (mine.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
      throw std::runtime_error("a rank's phase results exceed 2 GiB");
    }
    std::vector<int> sizes;
    boost::mpi::all_gather(world_, static_cast<int>(mine.size()), sizes);
    std::vector<int> offsets(sizes.size());
    long long total = 0;
    for (std::size_t r = 0; r < sizes.size(); ++r) {
      offsets[r] = static_cast<int>(total);
      total += sizes[r];
    }
    if (total > std::numeric_limits<int>::max()) throw std::runtime_error("a step's phase results exceed 2 GiB");
    std::string all(static_cast<std::size_t>(total), '\0');
    MPI_Allgatherv(mine.data(), static_cast<int>(mine.size()), MPI_BYTE, all.data(), sizes.data(), offsets.data(),
                   MPI_BYTE, MPI_Comm(world_));
    std::vector<std::string> out(sizes.size());
    for (std::size_t r = 0; r < sizes.size(); ++r) out[r] = all.substr(offsets[r], sizes[r]);
    ++counters_.collectives;
    counters_.bytes_sent += mine.size();
    counters_.bytes_gathered += static_cast<std::uint64_t>(total);
    return out;
  }

  std::string broadcast(const std::string& message) override {
    std::uint64_t size = rank() == 0 ? message.size() : 0;
    boost::mpi::broadcast(world_, size, 0);
    std::string out = rank() == 0 ? message : std::string(size, '\0');
    MPI_Bcast(out.data(), static_cast<int>(size), MPI_BYTE, 0, MPI_Comm(world_));
    ++counters_.collectives;
    if (rank() == 0) counters_.bytes_sent += size;
    counters_.bytes_gathered += size;
    return out;
  }

  [[noreturn]] void abort(const std::string& reason) override {
    std::fprintf(stderr, "daisd rank %d of %d: %s; aborting every rank\n", rank(), size(), reason.c_str());
    std::fflush(stderr);
    MPI_Abort(MPI_Comm(world_), 1);
    std::abort();  // MPI_Abort does not return; this only satisfies [[noreturn]]
  }

 private:
  boost::mpi::environment environment_;
  boost::mpi::communicator world_;
};

}  // namespace

bool launched_by_mpirun() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

std::unique_ptr<RankExchange> open_mpi_exchange(int& argc, char**& argv) {
  return std::make_unique<MpiExchange>(argc, argv);
}

}  // namespace dais::server
