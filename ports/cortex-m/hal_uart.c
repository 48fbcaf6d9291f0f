/*
 * hal_uart.c — the meter's byte-stream ports on CMSDK UART0..3 (port 0 =
 * optical head, 1..3 = communication modules), interrupt driven both ways.
 *
 * port_write queues into a TX ring that the TX interrupt drains. The core
 * hands over whole replies and does not retry, so port_write waits while
 * the ring is full — bounded by twice the bytes' time on the line — and
 * returns how many bytes it queued. Received bytes land in an RX ring from the
 * RX interrupt; the main loop collects them with board_port_read() and
 * hands them to the core. 7E1 (IEC 62056-21) is sent as 8-bit frames whose
 * top bit is the even parity of the 7 data bits — the same bits on the wire
 * — because the CMSDK UART only does 8N1; received 7E1 bytes with a parity
 * error are dropped. A real MCU UART sets 7E1 in hardware instead.
 */
#include "board.h"

#include "cmsdk.h"

#define UART_RX_RING 32u /* powers of two, at most 256 (uint8_t indices) */
#define UART_TX_RING 64u
#define UART_MIN_BAUDDIV 16u

struct uart_port {
    volatile uint8_t rx_head, rx_tail, tx_head, tx_tail;
    uint8_t framing; /* enum meter_framing */
    uint32_t baud;
    uint8_t rx[UART_RX_RING];
    uint8_t tx[UART_TX_RING];
};

static struct uart_port uart[BOARD_PORTS];
static volatile uint32_t uart_rx_errors; /* parity errors and ring overruns */

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

/* Move bytes from the ring into the UART while it has room. Interrupts off. */
static void uart_tx_pump(unsigned n)
{
    struct uart_port *p = &uart[n];
    uint32_t base = UART_BASE(n);
    while (p->tx_head != p->tx_tail && !(UART_STATE(base) & UART_STATE_TXFULL)) {
        UART_DATA(base) = p->tx[p->tx_tail % UART_TX_RING];
        p->tx_tail++;
    }
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
    uint32_t base = UART_BASE(port);
    uint32_t key = board_irq_save();
    uart[port].framing = (uint8_t)framing;
    uart[port].baud = baud;
    UART_BAUDDIV(base) = BOARD_SYSCLK_HZ / baud;
    UART_CTRL(base) |= UART_CTRL_RXEN | UART_CTRL_RXIRQ;
    board_irq_restore(key);
    return METER_OK;
}

size_t board_port_write(void *ctx, unsigned port, const uint8_t *buf, size_t len)
{
    (void)ctx;
    if (port >= BOARD_PORTS || buf == NULL)
        return 0;
    struct uart_port *p = &uart[port];
    /* 10-11 bits per character; allow twice that before giving up. */
    uint32_t budget_ms = (uint32_t)(len * 22000u / p->baud) + 10u;
    uint32_t t0 = board_ms_now(NULL);
    size_t k = 0;
    while (k < len) {
        if ((uint8_t)(p->tx_head - p->tx_tail) >= UART_TX_RING) {
            if (board_ms_now(NULL) - t0 > budget_ms)
                break; /* the line is stuck: drop the rest, never hang */
            continue;
        }
        uint8_t b = buf[k++];
        if (p->framing == METER_FRAMING_7E1)
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

static void uart_rx_isr(unsigned n)
{
    struct uart_port *p = &uart[n];
    uint32_t base = UART_BASE(n);
    UART_INTSTATUS(base) = UART_INT_RX;
    while (UART_STATE(base) & UART_STATE_RXFULL) {
        uint8_t b = (uint8_t)UART_DATA(base);
        if (p->framing == METER_FRAMING_7E1) {
            if (parity7(b) != (b >> 7)) {
                uart_rx_errors++;
                continue;
            }
            b &= 0x7fu;
        }
        if ((uint8_t)(p->rx_head - p->rx_tail) >= UART_RX_RING) {
            uart_rx_errors++;
            continue;
        }
        p->rx[p->rx_head % UART_RX_RING] = b;
        p->rx_head++;
    }
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

/* Block until every queued byte of a port has left (test images' banners). */
void board_port_flush(unsigned port)
{
    if (port >= BOARD_PORTS)
        return;
    while (uart[port].tx_head != uart[port].tx_tail) {
    }
}
