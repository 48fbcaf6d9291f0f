/* The host/target cross-check run (see xcheck.h). */
#include "xcheck.h"

#include <string.h>

#include "util/fmt.h"

static int xc_nvm_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    return nvm_ram_read(&((struct xcheck *)ctx)->nvm, addr, buf, len);
}

static int xc_nvm_program(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    return nvm_ram_program(&((struct xcheck *)ctx)->nvm, addr, buf, len);
}

/* The clock is the sample count: identical on both platforms. */
static int xc_rtc_get(void *ctx, int64_t *utc)
{
    *utc = XCHECK_START_UTC + ((struct xcheck *)ctx)->samples / METER_SAMPLE_RATE;
    return METER_OK;
}

static uint32_t xc_ms_now(void *ctx)
{
    return ((struct xcheck *)ctx)->samples / (METER_SAMPLE_RATE / 1000u);
}

static bool xc_supply_ok(void *ctx)
{
    (void)ctx;
    return true;
}

/* The stream: one segment per second, chosen to walk the metrology through
 * harmonics, off-nominal frequency, export, reactive load, DC offsets,
 * noise, a voltage dip and a dead phase. */
static void xc_segment(struct synth *s, uint32_t second)
{
    switch (second) {
    case 0:
        synth_set_phase(s, 0, 230000, 10000, 0, 0);
        synth_set_phase(s, 1, 231000, 20000, -120, 30);
        synth_set_phase(s, 2, 229000, 30000, 120, -45);
        s->u[0].c[1] = (struct synth_comp){3, s->u[0].c[0].peak / 20, SYNTH_DEG(10)};
        s->i[0].c[1] = (struct synth_comp){3, s->i[0].c[0].peak / 5, SYNTH_DEG(200)};
        s->i[0].c[2] = (struct synth_comp){5, s->i[0].c[0].peak / 10, SYNTH_DEG(30)};
        break;
    case 2:
        synth_set_freq(s, 49950);
        synth_set_phase(s, 1, 231000, 15000, -120, 160);  /* L2 exports */
        synth_set_phase(s, 2, 229000, 25000, 120, 90);    /* L3 purely inductive */
        s->i[1].dc = 500;
        s->noise = 40;
        break;
    case 4:
        synth_set_freq(s, 50050);
        synth_set_phase(s, 0, 100000, 5000, 0, 10);      /* L1 dip to 100 V */
        synth_set_phase(s, 2, 0, 0, 120, 0);             /* L3 dead */
        s->u[1].dc = -300;
        break;
    default:
        break;
    }
}

static void xc_line(xcheck_emit_fn emit, const char *tag, uint32_t second, const int64_t *v, unsigned n)
{
    char line[256];
    struct fmt_buf f;
    fmt_init(&f, line, sizeof line);
    fmt_str(&f, tag);
    fmt_char(&f, ' ');
    fmt_uint(&f, second, 1);
    for (unsigned k = 0; k < n; k++) {
        fmt_char(&f, ' ');
        fmt_int(&f, v[k]);
    }
    fmt_char(&f, '\n');
    if (fmt_end(&f) > 0)
        emit(line);
    else
        emit("line overflow\n");
}

/* Every field of meas.h's block, phase by phase, then the totals. */
static void xc_emit_block(xcheck_emit_fn emit, uint32_t second, const struct meas_block *b)
{
    for (unsigned p = 0; p < METER_PHASES; p++) {
        const struct meas_phase *ph = &b->ph[p];
        int64_t v[MEAS_QTY + 8];
        unsigned n = 0;
        v[n++] = p + 1;
        for (unsigned q = 0; q < MEAS_QTY; q++)
            v[n++] = ph->e[q];
        v[n++] = ph->p_mw;
        v[n++] = ph->q_mvar;
        v[n++] = ph->s_mva;
        v[n++] = ph->u_mv;
        v[n++] = ph->i_ua;
        v[n++] = ph->u_angle_mdeg;
        v[n++] = ph->phi_mdeg;
        xc_line(emit, "ph", second, v, n);
    }
    int64_t t[MEAS_QTY + 9];
    unsigned n = 0;
    for (unsigned q = 0; q < MEAS_QTY; q++)
        t[n++] = b->e[q];
    t[n++] = b->p_mw;
    t[n++] = b->q_mvar;
    t[n++] = b->s_mva;
    t[n++] = b->u0_mv;
    t[n++] = b->in_ua;
    t[n++] = b->f_mhz;
    t[n++] = b->flags;
    t[n++] = b->quadrant;
    xc_line(emit, "tot", second, t, n);
}

static void xc_emit_registers(xcheck_emit_fn emit, uint32_t second, const struct meter *m)
{
    int64_t v[MEAS_QTY];
    for (unsigned q = 0; q < MEAS_QTY; q++)
        v[q] = (int64_t)m->energy.total[q];
    xc_line(emit, "reg", second, v, MEAS_QTY);
}

int xcheck_run(struct xcheck *x, uint8_t *nvm_mem, xcheck_emit_fn emit)
{
    memset(&x->hal, 0, sizeof x->hal);
    nvm_ram_bind(&x->hal, &x->nvm, nvm_mem, XCHECK_NVM_SIZE, XCHECK_NVM_PAGE);
    x->hal.ctx = x;
    x->hal.nvm_read = xc_nvm_read;
    x->hal.nvm_program = xc_nvm_program;
    x->hal.rtc_get = xc_rtc_get;
    x->hal.ms_now = xc_ms_now;
    x->hal.supply_ok = xc_supply_ok;
    x->samples = 0;
    synth_init(&x->syn, 50000);
    int r = meter_init(&x->m, &x->hal);
    if (r < 0 && !(x->m.status & METER_ST_NVM_FAIL))
        return r;
    int64_t sz = (int64_t)sizeof(struct meas_block);
    xc_line(emit, "xcheck", 0, &sz, 1);

    uint32_t blocks = 0;
    while (blocks < XCHECK_SECONDS) {
        if (x->samples % METER_SAMPLE_RATE == 0)
            xc_segment(&x->syn, x->samples / METER_SAMPLE_RATE);
        int32_t s[METER_CHANNELS];
        synth_next(&x->syn, s);
        if (x->perturb_counts != 0 && x->samples == x->perturb_at)
            s[1] += x->perturb_counts;
        meter_sample(&x->m, s);
        x->samples++;
        if (x->m.block_pending) {
            (void)meter_poll(&x->m);
            blocks++;
            xc_emit_block(emit, blocks, &x->m.block);
            xc_emit_registers(emit, blocks, &x->m);
        }
    }
    int64_t end = blocks;
    xc_line(emit, "end", blocks, &end, 1);
    return METER_OK;
}
