/* The console multiplexer: one physical UART shared by every VM and the
 * hypervisor. Output is line-prefixed per VM; input goes to one VM at a
 * time and Ctrl-A pressed three times moves the focus to the next VM. */
#ifndef HB_CORE_CONSOLE_H
#define HB_CORE_CONSOLE_H

/* Enables console input (UART receive interrupt) on the boot core. */
void console_input_init(void);

#endif
