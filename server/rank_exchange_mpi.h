// The MPI side of server/rank_exchange.h, over Open MPI through Boost.MPI: the only
// files that include MPI headers. daisd alone links it (target dais_mpi), and only
// when the process was started by mpirun; a plain daisd never initialises MPI.
// open_mpi_exchange() initialises MPI once per process (the returned object finalises
// it when destroyed); its all_gather/broadcast are MPI collectives on MPI_COMM_WORLD.
// Errors: an MPI failure throws std::runtime_error (Boost.MPI's exception, rethrown
// with its message); abort() prints the reason and calls MPI_Abort.
#pragma once

#include <memory>

#include "server/rank_exchange.h"

namespace dais::server {

// True when this process runs under mpirun (Open MPI's or a PMI launcher's environment).
bool launched_by_mpirun();
std::unique_ptr<RankExchange> open_mpi_exchange(int& argc, char**& argv);

}  // namespace dais::server
