// CSDP (Debian libsdp-dev), the primal-dual interior-point SDP solver used as the reference
// backend of SDP-cert. CSDP ships no pkg-config file; its headers are in <csdp/…> on the default
// include path. Its problem structures (1-based, linked lists of sparse blocks) are built here from
// flat coordinate arrays, so that no CSDP pointer reaches Swift.
#ifndef CCSDP_SHIM_H
#define CCSDP_SHIM_H
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <csdp/declarations.h>

/// Solves   max tr(C X)  s.t.  tr(A_i X) = rhs_i (i = 1..k),  X = diag(X1, X2) ⪰ 0
/// with X1 an n1 × n1 matrix block and X2 an n2-diagonal block (n2 may be 0).
///
/// C: nc entries (i, j, v) of block 1, 1-based, i ≤ j (the symmetric partner is implied).
/// A: na entries (constraint, block, i, j, v), 1-based, i ≤ j, sorted by constraint then block.
/// On return y[0..k-1] holds the dual vector, *pobj and *dobj the objective values, and, when xout
/// is not NULL, xout[0..n1*n1-1] the primal matrix block X1 (symmetric, row-major). With quiet
/// set, CSDP's progress output (on stdout) is discarded. Returns CSDP's code (0 = solved,
/// 1 = primal infeasible, 2 = dual infeasible, 3 = partial success, 4 = iteration limit, …).
static inline int ccsdp_solve(int n1, int n2, int k, const double *rhs,
                              int nc, const int *ci, const int *cj, const double *cv,
                              int na, const int *acon, const int *ablock, const int *ai,
                              const int *aj, const double *av,
                              double *yout, double *pobj, double *dobj, double *xout, int quiet) {
    struct blockmatrix C;
    int nblocks = n2 > 0 ? 2 : 1;
    C.nblocks = nblocks;
    C.blocks = (struct blockrec *)malloc((nblocks + 1) * sizeof(struct blockrec));
    C.blocks[1].blocksize = n1;
    C.blocks[1].blockcategory = MATRIX;
    C.blocks[1].data.mat = (double *)calloc((size_t)n1 * n1, sizeof(double));
    for (int t = 0; t < nc; t++) {
        C.blocks[1].data.mat[ijtok(ci[t], cj[t], n1)] = cv[t];
        C.blocks[1].data.mat[ijtok(cj[t], ci[t], n1)] = cv[t];
    }
    if (n2 > 0) {
        C.blocks[2].blocksize = n2;
        C.blocks[2].blockcategory = DIAG;
        C.blocks[2].data.vec = (double *)calloc((size_t)n2 + 1, sizeof(double));
    }
    double *a = (double *)malloc((k + 1) * sizeof(double));
    for (int i = 0; i < k; i++) a[i + 1] = rhs[i];
    struct constraintmatrix *constraints =
        (struct constraintmatrix *)malloc((k + 1) * sizeof(struct constraintmatrix));
    for (int i = 0; i <= k; i++) constraints[i].blocks = NULL;
    struct sparseblock *tail = NULL;
    int t = 0;
    while (t < na) {
        int con = acon[t], blk = ablock[t], end = t;
        while (end < na && acon[end] == con && ablock[end] == blk) end++;
        int count = end - t;
        struct sparseblock *b = (struct sparseblock *)malloc(sizeof(struct sparseblock));
        b->next = NULL;
        b->nextbyblock = NULL;
        b->entries = (double *)malloc((count + 1) * sizeof(double));
        b->iindices = (int *)malloc((count + 1) * sizeof(int));
        b->jindices = (int *)malloc((count + 1) * sizeof(int));
        b->numentries = count;
        b->blocknum = blk;
        b->blocksize = blk == 1 ? n1 : n2;
        b->constraintnum = con;
        b->issparse = 1;
        for (int e = 0; e < count; e++) {
            b->entries[e + 1] = av[t + e];
            b->iindices[e + 1] = ai[t + e];
            b->jindices[e + 1] = aj[t + e];
        }
        if (constraints[con].blocks == NULL) constraints[con].blocks = b; else tail->next = b;
        tail = b;
        t = end;
    }
    struct blockmatrix X, Z;
    double *y;
    int n = n1 + n2;
    initsoln(n, k, C, a, constraints, &X, &y, &Z);
    int saved = -1, devnull = -1;
    if (quiet) {
        fflush(stdout);
        saved = dup(1);
        devnull = open("/dev/null", O_WRONLY);
        if (saved >= 0 && devnull >= 0) dup2(devnull, 1);
    }
    int ret = easy_sdp(n, k, C, a, constraints, 0.0, &X, &y, &Z, pobj, dobj);
    if (quiet) {
        fflush(stdout);
        if (saved >= 0) { dup2(saved, 1); close(saved); }
        if (devnull >= 0) close(devnull);
    }
    for (int i = 0; i < k; i++) yout[i] = y[i + 1];
    if (xout != NULL) {
        for (int i = 1; i <= n1; i++)
            for (int j = 1; j <= n1; j++) xout[(size_t)(i - 1) * n1 + (j - 1)] = X.blocks[1].data.mat[ijtok(i, j, n1)];
    }
    free_prob(n, k, C, a, constraints, X, y, Z);
    return ret;
}
#endif
