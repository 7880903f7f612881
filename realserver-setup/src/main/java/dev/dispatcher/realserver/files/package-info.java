/**
 * Control plane. The files this command writes as root (its state, the {@code --persist} boot
 * files) and the checks on the directories that hold them: nothing here follows a final symbolic
 * link, creates a temporary file that could already exist, or leaves half a file after a crash.
 */
package dev.dispatcher.realserver.files;
