/* The hypervisor monitor: a command line on the shared console. */
#ifndef HB_CORE_MONITOR_H
#define HB_CORE_MONITOR_H

/* One character typed while the monitor has console focus. */
void monitor_input(char c);
void monitor_prompt(void);

#endif
