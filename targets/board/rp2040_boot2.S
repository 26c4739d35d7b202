/*
 * RP2040 boot stage 2: the 256 bytes at the start of flash. The boot ROM copies them to
 * SRAM, checks the CRC in their last word (CRC-32/MPEG-2: polynomial 0x04C11DB7, initial
 * value 0xFFFFFFFF, no reflection, no final xor, over the first 252 bytes) and runs them with
 * lr = 0. This stage sets up execute-in-place with the plain serial read command 0x03, which
 * every SPI NOR flash understands (slower than quad modes, always correct), then starts the
 * image through its vector table at 0x10000100. Called with a return address instead (a
 * debugger or flash loader re-entering XIP), it returns.
 *
 * Registers of the XIP SSI (RP2040 datasheet, 4.10): CTRLR0 0x00, CTRLR1 0x04, SSIENR 0x08,
 * BAUDR 0x14, SPI_CTRLR0 0xF4. test/boards.test.ts assembles this file and checks the CRC.
 */
    .syntax unified
    .cpu cortex-m0plus
    .thumb
    .section .boot2, "ax"
    .global tf_boot2
    .type tf_boot2, %function
tf_boot2:
    push {lr}
    ldr r3, =0x18000000          /* XIP_SSI_BASE */
    movs r1, #0
    str r1, [r3, #0x08]          /* SSIENR = 0: the SSI may be configured */
    movs r1, #4
    str r1, [r3, #0x14]          /* BAUDR: SCK = clk_sys / 4 */
    ldr r1, =((31 << 16) | (3 << 8))
    str r1, [r3, #0x00]          /* CTRLR0: 32-bit frames, EEPROM-read transfer mode */
    ldr r1, =((0x03 << 24) | (2 << 8) | (6 << 2))
    ldr r0, =0x180000F4
    str r1, [r0]                 /* SPI_CTRLR0: command 0x03, 8-bit instruction, 24-bit address */
    movs r1, #0
    str r1, [r3, #0x04]          /* CTRLR1: one data frame per read */
    movs r1, #1
    str r1, [r3, #0x08]          /* SSIENR = 1 */
    pop {r0}
    cmp r0, #0
    beq 1f
    bx r0
1:  ldr r0, =0x10000100          /* the image's vector table */
    ldr r1, =0xE000ED08          /* VTOR */
    str r0, [r1]
    ldmia r0, {r0, r1}
    msr msp, r0
    bx r1
    .ltorg
    .org 252
    .word 0x0D21EC2C             /* CRC of the 252 bytes above */
