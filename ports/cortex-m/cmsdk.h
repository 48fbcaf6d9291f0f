/*
 * cmsdk.h — register map of the parts of the Arm MPS2 AN385 board (Cortex-M3
 * + CMSDK peripherals) that the port drives, as QEMU 7.2 models it
 * (qemu-system-arm -M mps2-an385, `info mtree`). Own minimal definitions
 * instead of a vendor CMSIS pack: the port needs a dozen registers.
 *
 * A real board replaces this file with its vendor's device header.
 */
#ifndef TRIMETER_CM_CMSDK_H
#define TRIMETER_CM_CMSDK_H

#include <stdint.h>

#define CM_REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ---- clocks ------------------------------------------------------------ */
#define BOARD_SYSCLK_HZ 25000000u /* MPS2 FPGA system clock (CPU, APB timers, UARTs) */

/* ---- Cortex-M3 system control space ------------------------------------ */
#define SCB_ICSR CM_REG(0xE000ED04u)
#define SCB_VTOR CM_REG(0xE000ED08u)
#define SCB_AIRCR CM_REG(0xE000ED0Cu)
#define SCB_SCR CM_REG(0xE000ED10u)
#define SCB_CCR CM_REG(0xE000ED14u)
#define SCB_SHPR3 CM_REG(0xE000ED20u) /* SysTick priority in bits 31:24 */
#define SCB_SHCSR CM_REG(0xE000ED24u)
#define SCB_CFSR CM_REG(0xE000ED28u)
#define SCB_HFSR CM_REG(0xE000ED2Cu)
#define SCB_MMFAR CM_REG(0xE000ED34u)
#define SCB_BFAR CM_REG(0xE000ED38u)
#define SCB_AIRCR_VECTKEY 0x05FA0000u
#define SCB_AIRCR_SYSRESETREQ (1u << 2)
#define SCB_SHCSR_FAULTS_EN ((1u << 16) | (1u << 17) | (1u << 18)) /* MemManage, BusFault, UsageFault */
#define SCB_CCR_DIV0_TRP (1u << 4)

#define SYST_CSR CM_REG(0xE000E010u)
#define SYST_RVR CM_REG(0xE000E014u)
#define SYST_CVR CM_REG(0xE000E018u)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2) /* processor clock */

#define NVIC_ISER(n) CM_REG(0xE000E100u + 4u * (n))
#define NVIC_ICER(n) CM_REG(0xE000E180u + 4u * (n))
#define NVIC_ISPR(n) CM_REG(0xE000E200u + 4u * (n))
#define NVIC_ICPR(n) CM_REG(0xE000E280u + 4u * (n))
#define NVIC_IPR_BYTE(irq) (*(volatile uint8_t *)(uintptr_t)(0xE000E400u + (irq)))

/* ---- AN385 interrupt numbers --------------------------------------------- */
enum an385_irq {
    IRQ_UART0_RX = 0,
    IRQ_UART0_TX = 1,
    IRQ_UART1_RX = 2,
    IRQ_UART1_TX = 3,
    IRQ_UART2_RX = 4,
    IRQ_UART2_TX = 5,
    IRQ_GPIO0 = 6, /* GPIO 0 combined */
    IRQ_GPIO1 = 7,
    IRQ_TIMER0 = 8,
    IRQ_TIMER1 = 9,
    IRQ_DUALTIMER = 10,
    IRQ_SPI = 11,
    IRQ_UART_OVF = 12,
    IRQ_ETHERNET = 13,
    IRQ_I2S = 14,
    IRQ_TOUCH = 15,
    IRQ_GPIO2 = 16,
    IRQ_GPIO3 = 17,
    IRQ_UART3_RX = 18,
    IRQ_UART3_TX = 19,
    IRQ_COUNT = 32
};

/* ---- CMSDK APB timer (TIMER0 0x40000000, TIMER1 0x40001000) ------------- */
#define TIMER0_BASE 0x40000000u
#define TIMER1_BASE 0x40001000u
#define TIMER_CTRL(b) CM_REG((b) + 0x00u)
#define TIMER_VALUE(b) CM_REG((b) + 0x04u)
#define TIMER_RELOAD(b) CM_REG((b) + 0x08u)
#define TIMER_INTCLR(b) CM_REG((b) + 0x0Cu)
#define TIMER_CTRL_EN (1u << 0)
#define TIMER_CTRL_IRQEN (1u << 3)

/* ---- CMSDK APB dual timer 0x40002000 (timer 1: free-running counter) ---- */
#define DUALTIMER1_LOAD CM_REG(0x40002000u)
#define DUALTIMER1_VALUE CM_REG(0x40002004u)
#define DUALTIMER1_CTRL CM_REG(0x40002008u)
#define DUALTIMER_CTRL_EN (1u << 7)
#define DUALTIMER_CTRL_32BIT (1u << 1)

/* ---- CMSDK APB UART (0x40004000 + 0x1000 * n, n = 0..3) ----------------- */
#define UART_BASE(n) (0x40004000u + 0x1000u * (n))
#define UART_DATA(b) CM_REG((b) + 0x00u)
#define UART_STATE(b) CM_REG((b) + 0x04u)
#define UART_CTRL(b) CM_REG((b) + 0x08u)
#define UART_INTSTATUS(b) CM_REG((b) + 0x0Cu) /* write 1 to clear */
#define UART_BAUDDIV(b) CM_REG((b) + 0x10u)
#define UART_STATE_TXFULL (1u << 0)
#define UART_STATE_RXFULL (1u << 1)
#define UART_STATE_TXOVR (1u << 2)
#define UART_STATE_RXOVR (1u << 3)
#define UART_CTRL_TXEN (1u << 0)
#define UART_CTRL_RXEN (1u << 1)
#define UART_CTRL_TXIRQ (1u << 2)
#define UART_CTRL_RXIRQ (1u << 3)
#define UART_INT_TX (1u << 0)
#define UART_INT_RX (1u << 1)

/* ---- CMSDK APB watchdog 0x40008000 (interrupt wired to NMI on MPS2) ----- */
#define WDOG_BASE 0x40008000u
#define WDOG_LOAD CM_REG(WDOG_BASE + 0x000u)
#define WDOG_VALUE CM_REG(WDOG_BASE + 0x004u)
#define WDOG_CTRL CM_REG(WDOG_BASE + 0x008u)
#define WDOG_INTCLR CM_REG(WDOG_BASE + 0x00Cu)
#define WDOG_RIS CM_REG(WDOG_BASE + 0x010u)
#define WDOG_LOCK CM_REG(WDOG_BASE + 0xC00u)
#define WDOG_CTRL_INTEN (1u << 0)
#define WDOG_CTRL_RESEN (1u << 1)
#define WDOG_UNLOCK_KEY 0x1ACCE551u

/* ---- CMSDK AHB GPIO (GPIO0 0x40010000). QEMU 7.2 leaves these unimplemented
 * (reads 0, writes ignored): the pins below are the real-board wiring. ----- */
#define GPIO0_BASE 0x40010000u
#define GPIO_DATA(b) CM_REG((b) + 0x000u)
#define GPIO_DATAOUT(b) CM_REG((b) + 0x004u)
#define GPIO_OUTENSET(b) CM_REG((b) + 0x010u)
#define GPIO_INTENSET(b) CM_REG((b) + 0x020u)
#define GPIO_INTTYPESET(b) CM_REG((b) + 0x028u) /* edge */
#define GPIO_INTPOLSET(b) CM_REG((b) + 0x030u)  /* rising / high */
#define GPIO_INTCLEAR(b) CM_REG((b) + 0x038u)
#define GPIO_MASKLOWBYTE(b, mask) CM_REG((b) + 0x400u + 4u * (mask)) /* masked write, pins 0..7 */

/* ---- PL022 SSP (SPI) 0x40020000: the serial EEPROM's bus on a real board  */
#define SSP0_BASE 0x40020000u
#define SSP_CR0(b) CM_REG((b) + 0x000u)
#define SSP_CR1(b) CM_REG((b) + 0x004u)
#define SSP_DR(b) CM_REG((b) + 0x008u)
#define SSP_SR(b) CM_REG((b) + 0x00Cu)
#define SSP_CPSR(b) CM_REG((b) + 0x010u)
#define SSP_SR_TNF (1u << 1) /* transmit FIFO not full */
#define SSP_SR_RNE (1u << 2) /* receive FIFO not empty */
#define SSP_SR_BSY (1u << 4)
#define SSP_CR1_SSE (1u << 1)

#endif
