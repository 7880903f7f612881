/**
 * Control plane. The entry point of {@code realserver-setup}, the command run on each real
 * server behind the dispatcher to set up hidden ARP (the VIP on lo, ARP for it answered only by
 * the dispatcher), check it, and roll it back. The commands live in {@code cli}; deciding what to
 * change in {@code plan}; judging the result in {@code check}; the kernel edge in {@code kernel}.
 */
package dev.dispatcher.realserver;
