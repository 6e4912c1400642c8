/*
 * tb_machine_test.h — what the state machine's tests share: MUST, a step
 * that has to succeed (it reports the engine's reason and fails the case
 * otherwise). The including file has a `tb_problem prob` the step filled.
 */
#ifndef TB_MACHINE_TEST_H
#define TB_MACHINE_TEST_H

#include "tb_engine.h"
#include "tb_test.h"

/* Must succeed; fail the case loudly otherwise. */
#define MUST(call)                                                             \
  do {                                                                         \
    tb_status rc_ = (call);                                                    \
    if (rc_ != TB_OK)                                                          \
      printf("# %s:%d: %s failed: %s: %s\n", __FILE__, __LINE__, #call,        \
             tb_status_code(rc_), prob.detail);                                \
    TB_CHECK(rc_ == TB_OK);                                                    \
  } while (0)

#endif /* TB_MACHINE_TEST_H */
