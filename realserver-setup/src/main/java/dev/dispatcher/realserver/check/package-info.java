/**
 * Control plane. Judging a kernel snapshot as the kernel's ARP code will treat it: which
 * interface answers ARP for a VIP or may announce one, and which VIP is missing or misplaced.
 * Used by {@code check}, and by {@code plan}/{@code apply} to warn about what would remain wrong.
 */
package dev.dispatcher.realserver.check;
