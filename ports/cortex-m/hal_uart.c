/*
 * hal_uart.c — the meter's byte-stream ports on CMSDK UART0..3 (port 0 =
 * optical head, 1..3 = communication modules), interrupt driven both ways.
 *
 * port_write queues into a TX ring that the TX interrupt drains;
 * port_tx_room tells the core how much the ring takes without waiting, and
 * the core never writes more (long answers go out from meter_poll as the
 * ring empties), so port_write's wait for a full ring — bounded by twice
 * the bytes' line time — is only a safety net. port_config takes effect in
 * order with the bytes: it is queued at the ring position it was called at,
 * the transmitter stops there until the bytes before it have left the
 * shift register, then the new rate/framing applies (mode C answers at
 * 9600 Bd after a 300-Bd identification). Received bytes land in an RX ring
 * from the RX interrupt; the main loop collects them with board_port_read()
 * and hands them to the core, and reports receive line errors with
 * meter_port_line_error(): after such an error the receive interrupt is
 * masked until the main loop has told the core (which may change the
 * framing), so the rest of a burst sent in another framing is read in the
 * new one. 7E1
 * (IEC 62056-21) is sent as 8-bit frames whose top bit is the even parity
 * of the 7 data bits — the same bits on the wire — because the CMSDK UART
 * only does 8N1; a received 7E1 byte with a parity error is a line error
 * (a real MCU UART does 7E1 in hardware and reports framing and parity
 * errors in its status register).
 */
#include "board.h"

#include "cmsdk.h"

#define UART_RX_RING 32u /* powers of two, at most 256 (uint8_t indices) */
#define UART_TX_RING 64u
#define UART_MIN_BAUDDIV 16u
#define UART_CFG_QUEUE 4u /* line changes waiting for the bytes before them */

struct uart_cfg {
    uint8_t at;      /* tx_head when it was asked for */
    uint8_t framing; /* enum meter_framing */
    uint32_t baud;
};

struct uart_port {
    volatile uint8_t rx_head, rx_tail, tx_head, tx_tail;
    uint8_t framing;    /* enum meter_framing on the line now */
    uint8_t wr_framing; /* framing of the bytes written now (the last one asked for) */
    volatile uint8_t ncfg;
    volatile bool rx_held;           /* receiver paused after a line error */
    volatile uint32_t line_errors;   /* since the main loop last looked */
    volatile uint32_t tx_last_ms;    /* a byte last went into the UART */
    uint32_t baud;
    struct uart_cfg cfg[UART_CFG_QUEUE];
    uint8_t rx[UART_RX_RING];
    uint8_t tx[UART_TX_RING];
};

static struct uart_port uart[BOARD_PORTS];
static volatile uint32_t uart_rx_overruns; /* RX ring full: bytes lost */

static const uint8_t uart_rx_irq[BOARD_PORTS] = {IRQ_UART0_RX, IRQ_UART1_RX, IRQ_UART2_RX, IRQ_UART3_RX};
static const uint8_t uart_tx_irq[BOARD_PORTS] = {IRQ_UART0_TX, IRQ_UART1_TX, IRQ_UART2_TX, IRQ_UART3_TX};

static void nvic_enable(unsigned irq)
{
    NVIC_IPR_BYTE(irq) = BOARD_PRIO_UART; /* below the sample clock */
    NVIC_ISER(irq / 32u) = 1u << (irq % 32u);
}

static uint8_t parity7(uint8_t b)
{
    b &= 0x7fu;
    b ^= (uint8_t)(b >> 4);
    b ^= (uint8_t)(b >> 2);
    b ^= (uint8_t)(b >> 1);
    return b & 1u;
}

/* Move bytes from the ring into the UART while it has room, up to the
 * first queued line change. Interrupts off. */
static void uart_tx_pump(unsigned n)
{
    struct uart_port *p = &uart[n];
    uint32_t base = UART_BASE(n);
    while (p->tx_head != p->tx_tail && !(UART_STATE(base) & UART_STATE_TXFULL)) {
        if (p->ncfg > 0 && p->tx_tail == p->cfg[0].at)
            break; /* the bytes after it go out at the new rate */
        UART_DATA(base) = p->tx[p->tx_tail % UART_TX_RING];
        p->tx_tail++;
        p->tx_last_ms = board_ms_now(NULL);
    }
}

/* Take received bytes from the UART into the RX ring. After a line error
 * the receive interrupt is masked and the next byte is left in the UART
 * (which then takes no more) until the main loop has reported the error.
 * Interrupts off. */
static void uart_rx_drain(unsigned n)
{
    struct uart_port *p = &uart[n];
    uint32_t base = UART_BASE(n);
    while (!p->rx_held && (UART_STATE(base) & UART_STATE_RXFULL)) {
        uint8_t b = (uint8_t)UART_DATA(base);
        if (p->framing == METER_FRAMING_7E1) {
            if (parity7(b) != (b >> 7)) {
                /* another framing on the line: hold the rest until the
                 * main loop told the core (board_serve_ports) */
                p->line_errors++;
                p->rx_held = true;
                UART_CTRL(base) &= ~UART_CTRL_RXIRQ;
                break;
            }
            b &= 0x7fu;
        }
        if ((uint8_t)(p->rx_head - p->rx_tail) >= UART_RX_RING) {
            uart_rx_overruns++;
            continue;
        }
        p->rx[p->rx_head % UART_RX_RING] = b;
        p->rx_head++;
    }
}

/* Rate and framing now, receiver on (also after a line error: what the
 * UART holds and the rest of the burst are read in the new framing).
 * Interrupts off. */
static void uart_apply(unsigned n, uint32_t baud, uint8_t framing)
{
    struct uart_port *p = &uart[n];
    uint32_t base = UART_BASE(n);
    p->framing = framing;
    p->baud = baud;
    p->rx_held = false;
    UART_BAUDDIV(base) = BOARD_SYSCLK_HZ / baud;
    UART_CTRL(base) |= UART_CTRL_RXEN | UART_CTRL_RXIRQ;
    uart_rx_drain(n);
}

/* The transmitter is idle: nothing in the holding or shift register (the
 * CMSDK UART has no "transmission complete" flag: two character times
 * after the last byte went in, rounded up). */
static bool uart_tx_idle(unsigned n)
{
    const struct uart_port *p = &uart[n];
    uint32_t two_chars_ms = 2u * 11000u / p->baud + 1u;
    return !(UART_STATE(UART_BASE(n)) & UART_STATE_TXFULL) &&
           board_ms_now(NULL) - p->tx_last_ms >= two_chars_ms;
}

/* Apply the line changes whose bytes before them have left. */
static void uart_cfg_poll(unsigned n)
{
    struct uart_port *p = &uart[n];
    uint32_t key = board_irq_save();
    while (p->ncfg > 0 && p->tx_tail == p->cfg[0].at && uart_tx_idle(n)) {
        uart_apply(n, p->cfg[0].baud, p->cfg[0].framing);
        for (unsigned i = 1; i < p->ncfg; i++)
            p->cfg[i - 1] = p->cfg[i];
        p->ncfg--;
        uart_tx_pump(n); /* the bytes waiting behind it */
    }
    board_irq_restore(key);
}

void board_uart_init(void)
{
    for (unsigned n = 0; n < BOARD_PORTS; n++) {
        uint32_t base = UART_BASE(n);
        uart[n].baud = 9600u;
        UART_BAUDDIV(base) = BOARD_SYSCLK_HZ / 9600u;
        /* The receiver stays off until the core configures the port: a
         * byte is only meaningful with the framing its protocol expects. */
        UART_CTRL(base) = UART_CTRL_TXEN | UART_CTRL_TXIRQ;
        nvic_enable(uart_rx_irq[n]);
        nvic_enable(uart_tx_irq[n]);
    }
}

int board_port_config(void *ctx, unsigned port, uint32_t baud, enum meter_framing framing)
{
    (void)ctx;
    if (port >= BOARD_PORTS || baud == 0 || BOARD_SYSCLK_HZ / baud < UART_MIN_BAUDDIV)
        return METER_EINVAL;
    if (framing != METER_FRAMING_8N1 && framing != METER_FRAMING_7E1)
        return METER_EINVAL;
    struct uart_port *p = &uart[port];
    int r = METER_OK;
    uint32_t key = board_irq_save();
    if (p->ncfg < UART_CFG_QUEUE) {
        p->cfg[p->ncfg].at = p->tx_head;
        p->cfg[p->ncfg].baud = baud;
        p->cfg[p->ncfg].framing = (uint8_t)framing;
        p->ncfg++;
        p->wr_framing = (uint8_t)framing;
    } else {
        r = METER_EBUSY; /* four changes with bytes between them in flight: the core never does that */
    }
    board_irq_restore(key);
    uart_cfg_poll(port); /* at once when the line is idle */
    return r;
}

void board_port_service(unsigned port)
{
    if (port < BOARD_PORTS)
        uart_cfg_poll(port);
}

size_t board_port_tx_room(void *ctx, unsigned port)
{
    (void)ctx;
    if (port >= BOARD_PORTS)
        return 0;
    uart_cfg_poll(port);
    return UART_TX_RING - (uint8_t)(uart[port].tx_head - uart[port].tx_tail);
}

size_t board_port_write(void *ctx, unsigned port, const uint8_t *buf, size_t len)
{
    (void)ctx;
    if (port >= BOARD_PORTS || buf == NULL)
        return 0;
    struct uart_port *p = &uart[port];
    /* 10-11 bits per character; allow twice that before giving up (only
     * reached by writes beyond port_tx_room). */
    uint32_t budget_ms = (uint32_t)(len * 22000u / p->baud) + 10u;
    uint32_t t0 = board_ms_now(NULL);
    size_t k = 0;
    while (k < len) {
        if ((uint8_t)(p->tx_head - p->tx_tail) >= UART_TX_RING) {
            if (board_ms_now(NULL) - t0 > budget_ms)
                break; /* the line is stuck: drop the rest, never hang */
            uart_cfg_poll(port);
            continue;
        }
        uint8_t b = buf[k++];
        if (p->wr_framing == METER_FRAMING_7E1)
            b = (uint8_t)((b & 0x7fu) | (parity7(b) << 7));
        p->tx[p->tx_head % UART_TX_RING] = b;
        p->tx_head++;
        uint32_t key = board_irq_save();
        uart_tx_pump(port);
        board_irq_restore(key);
    }
    return k;
}

size_t board_port_read(unsigned port, uint8_t *buf, size_t n)
{
    if (port >= BOARD_PORTS)
        return 0;
    struct uart_port *p = &uart[port];
    size_t k = 0;
    while (k < n && p->rx_tail != p->rx_head) {
        buf[k++] = p->rx[p->rx_tail % UART_RX_RING];
        p->rx_tail++;
    }
    return k;
}

uint32_t board_port_line_errors(unsigned port)
{
    if (port >= BOARD_PORTS)
        return 0;
    uint32_t key = board_irq_save();
    uint32_t e = uart[port].line_errors;
    uart[port].line_errors = 0;
    board_irq_restore(key);
    return e;
}

void board_port_rx_resume(unsigned port)
{
    if (port >= BOARD_PORTS)
        return;
    uint32_t key = board_irq_save();
    if (uart[port].rx_held) {
        uart[port].rx_held = false;
        UART_CTRL(UART_BASE(port)) |= UART_CTRL_RXIRQ;
        uart_rx_drain(port); /* the byte the UART held raises no interrupt */
    }
    board_irq_restore(key);
}

static void uart_rx_isr(unsigned n)
{
    UART_INTSTATUS(UART_BASE(n)) = UART_INT_RX;
    uart_rx_drain(n);
}

static void uart_tx_isr(unsigned n)
{
    UART_INTSTATUS(UART_BASE(n)) = UART_INT_TX;
    uart_tx_pump(n);
}

void UART0_RX_IRQHandler(void) { uart_rx_isr(0); }
void UART1_RX_IRQHandler(void) { uart_rx_isr(1); }
void UART2_RX_IRQHandler(void) { uart_rx_isr(2); }
void UART3_RX_IRQHandler(void) { uart_rx_isr(3); }
void UART0_TX_IRQHandler(void) { uart_tx_isr(0); }
void UART1_TX_IRQHandler(void) { uart_tx_isr(1); }
void UART2_TX_IRQHandler(void) { uart_tx_isr(2); }
void UART3_TX_IRQHandler(void) { uart_tx_isr(3); }

/* Block until every queued byte of a port has left and its line changes
 * applied (test images' banners). */
void board_port_flush(unsigned port)
{
    if (port >= BOARD_PORTS)
        return;
    while (uart[port].tx_head != uart[port].tx_tail || uart[port].ncfg > 0)
        uart_cfg_poll(port);
}
