/*
 * startup.c — vector table, reset handler and fault handlers of the
 * Cortex-M3 images. Own start-up code instead of newlib's crt0: the rdimon
 * crt0 hangs under QEMU, and the production image needs none of it.
 *
 * Reset: copy .data from flash, zero .bss, paint the stack (so test images
 * can report its high-water mark), board_pre_main(), main().
 */
#include <stdint.h>

#include "board.h"
#include "cmsdk.h"

/* Linker-script symbols (the scripts in ld/). */
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_start[], __stack_end[];

int main(void);

#define STACK_PAINT 0xA5A5A5A5u

typedef void (*vector_fn)(void);

struct vector_table {
    uint32_t *initial_sp;
    vector_fn exc[15];          /* Reset .. SysTick */
    vector_fn irq[IRQ_COUNT];   /* AN385 device interrupts */
};

__attribute__((section(".isr_vector"), used))
static const struct vector_table vectors = {
    .initial_sp = __stack_end,
    .exc = {
        Reset_Handler,
        NMI_Handler,          /* MPS2: CMSDK watchdog interrupt */
        HardFault_Handler,
        MemManage_Handler,
        BusFault_Handler,
        UsageFault_Handler,
        0, 0, 0, 0,
        Default_Handler,      /* SVCall */
        Default_Handler,      /* DebugMonitor */
        0,
        Default_Handler,      /* PendSV */
        SysTick_Handler,      /* sample clock + time base */
    },
    .irq = {
        UART0_RX_IRQHandler,  /* 0 */
        UART0_TX_IRQHandler,  /* 1 */
        UART1_RX_IRQHandler,  /* 2 */
        UART1_TX_IRQHandler,  /* 3 */
        UART2_RX_IRQHandler,  /* 4 */
        UART2_TX_IRQHandler,  /* 5 */
        GPIO0_IRQHandler,     /* 6 supply monitor (power-fail comparator) */
        Default_Handler,      /* 7 GPIO1 */
        Default_Handler,      /* 8 TIMER0 */
        Default_Handler, Default_Handler, Default_Handler,  /* 9..11 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler,  /* 12..15 */
        Default_Handler, Default_Handler,                                    /* 16..17 */
        UART3_RX_IRQHandler,  /* 18 */
        UART3_TX_IRQHandler,  /* 19 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler,  /* 20..23 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler,  /* 24..27 */
        Default_Handler, Default_Handler, Default_Handler, Default_Handler,  /* 28..31 */
    },
};

void Reset_Handler(void)
{
    uint32_t *src = __data_load, *dst = __data_start;
    while (dst < __data_end)
        *dst++ = *src++;
    for (dst = __bss_start; dst < __bss_end; dst++)
        *dst = 0;
    /* Paint the stack below the frame we run on. */
    uint32_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (dst = __stack_start; (uintptr_t)dst < sp - 64u; dst++)
        *dst = STACK_PAINT;
    board_pre_main();
    (void)main();
    board_fault("main returned", 0);
    for (;;) {
    }
}

uint32_t board_stack_used(void)
{
    const uint32_t *p = __stack_start;
    while (p < __stack_end && *p == STACK_PAINT)
        p++;
    return (uint32_t)((uintptr_t)__stack_end - (uintptr_t)p);
}

uint32_t board_stack_size(void)
{
    return (uint32_t)((uintptr_t)__stack_end - (uintptr_t)__stack_start);
}

void NMI_Handler(void)
{
    board_wdt_nmi();
}

void HardFault_Handler(void)
{
    board_fault("hard fault", SCB_HFSR);
}

void MemManage_Handler(void)
{
    board_fault("memmanage fault", SCB_CFSR);
}

void BusFault_Handler(void)
{
    board_fault("bus fault", SCB_CFSR);
}

void UsageFault_Handler(void)
{
    board_fault("usage fault", SCB_CFSR);
}

void Default_Handler(void)
{
    board_fault("unexpected interrupt", SCB_ICSR & 0x1ffu);
}
