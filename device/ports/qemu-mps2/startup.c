/* Reset handler and vector table for the mps2-an386 programs (48 IRQs). */
#include <stdint.h>
#include <string.h>

#define NUM_IRQS 48

extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
int main(void);
void Reset_Handler(void);
void Default_Handler(void);

void Default_Handler(void)
{
	for (;;)
		;
}

void Reset_Handler(void)
{
	memcpy(&_sdata, &_sidata, (size_t)((char *)&_edata - (char *)&_sdata));
	memset(&_sbss, 0, (size_t)((char *)&_ebss - (char *)&_sbss));
	main();
	for (;;)
		;
}

typedef void (*vector_t)(void);

__attribute__((section(".isr_vector"), used)) const vector_t vector_table[16 + NUM_IRQS] = {
	[0] = (vector_t)&_estack,
	[1] = Reset_Handler,
	[2 ... 15 + NUM_IRQS] = Default_Handler,
};
