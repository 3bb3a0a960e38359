# MPI for `mpirun -np N cascade index|search|run` (docs/scale-out.md). CASCADE_MPI is AUTO (on
# when find_package(MPI COMPONENTS C) finds an implementation: Debian's libopenmpi-dev), ON
# (required) or OFF. Only src/cli/dist_mpi.cpp includes <mpi.h>; the result is
# CASCADE_HAVE_MPI, and MPIEXEC_EXECUTABLE names the launcher the MPI tests run.
set(CASCADE_MPI AUTO CACHE STRING "MPI for mpirun -np N cascade index|search|run: AUTO, ON or OFF")
set_property(CACHE CASCADE_MPI PROPERTY STRINGS AUTO ON OFF)
set(CASCADE_HAVE_MPI OFF)
if(CASCADE_MPI STREQUAL "ON" OR CASCADE_MPI STREQUAL "AUTO")
  enable_language(C)  # FindMPI's C component probes with the C compiler
endif()
if(CASCADE_MPI STREQUAL "ON")
  find_package(MPI REQUIRED COMPONENTS C)
  set(CASCADE_HAVE_MPI ON)
elseif(CASCADE_MPI STREQUAL "AUTO")
  find_package(MPI QUIET COMPONENTS C)
  if(MPI_C_FOUND)
    set(CASCADE_HAVE_MPI ON)
  endif()
elseif(NOT CASCADE_MPI STREQUAL "OFF")
  message(FATAL_ERROR "CASCADE_MPI must be AUTO, ON or OFF (got '${CASCADE_MPI}')")
endif()
message(STATUS "cascade: MPI ${CASCADE_HAVE_MPI} (CASCADE_MPI=${CASCADE_MPI})")
