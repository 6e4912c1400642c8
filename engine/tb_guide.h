/*
 * tb_guide.h — a service's guide (办事指南) in memory: what the national
 * catalogue publishes about a service beyond what the rest of its
 * definition says (limits, materials, the bureaus' steps). The workflows
 * loader reads it from the definition's <guide> element; the REST API
 * renders it as JSON, the guide page and the guide's PDF.
 *
 * Ownership: a tb_guide and every string and array it points to belong to
 * the arena of the tb_definition whose `guide` it is; tb_definition_free
 * frees them. Strings are UTF-8 and never NULL unless the comment says so.
 */
#ifndef TB_GUIDE_H
#define TB_GUIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One charge (收费标准): its name, the amount in fen (above zero) and the
 * rule that sets it. */
typedef struct {
  const char *name;
  int64_t fen;
  const char *basis;
} tb_guide_fee;

/* A way the result reaches the applicant (送达方式). */
typedef enum {
  TB_GUIDE_DELIVERY_WINDOW,    /* 窗口领取 */
  TB_GUIDE_DELIVERY_POST,      /* 邮寄送达 */
  TB_GUIDE_DELIVERY_ELECTRONIC /* 电子送达 */
} tb_guide_delivery_kind;

typedef struct {
  tb_guide_delivery_kind kind;
  const char *detail; /* what the applicant should know about it */
} tb_guide_delivery;

/* One step of 办理流程 as the definition writes it. */
typedef struct {
  const char *name;
  const char *detail;
} tb_guide_step;

typedef struct tb_guide {
  const char *code; /* 实施编码; NULL when the definition gives none */
  const char *kind; /* 事项类型: "行政许可", "公共服务" … */
  const char *const *basis; /* 设定依据, at least one */
  size_t n_basis;
  const char *const *conditions; /* 受理条件, at least one */
  size_t n_conditions;
  bool free_of_charge; /* 不收费 (and n_fees is 0) */
  const tb_guide_fee *fees;
  size_t n_fees;
  const char *address;        /* 办理地点; NULL when not given */
  const char *hours;          /* 办理时间; NULL exactly when address is */
  const char *consult_phone;  /* 咨询电话 */
  const char *complain_phone; /* 监督投诉电话 */
  const tb_guide_delivery *deliveries; /* may be empty */
  size_t n_deliveries;
  const tb_guide_step *steps; /* may be empty: derive from the branches */
  size_t n_steps;
} tb_guide;

#endif /* TB_GUIDE_H */
