// COIN-OR CLP, the simplex LP solver behind LP-cert. The include directory comes from
// `pkg-config clp`.
#ifndef CCLP_SHIM_H
#define CCLP_SHIM_H
#include <Clp_C_Interface.h>
#endif
