/* A VM's virtual PL011: MMIO binding, console output and input. */
#ifndef HB_VDEV_VUART_H
#define HB_VDEV_VUART_H

struct vm;

/* Physical console input for this VM. */
void vuart_input(struct vm *vm, char c);
/* Re-evaluates the vUART's interrupt line. */
void vuart_update_irq(struct vm *vm);

#endif
